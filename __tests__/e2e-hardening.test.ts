// Faults and hostile input, in the real OpenClaw CLI with the packed plugin: streams cut short by a
// server the user runs, model ids that are flags or paths, credentials in baseUrl, a server that
// ignores SIGTERM, and base URLs that `openclaw config` must refuse.
import { createServer } from "node:http";
import { once } from "node:events";
import { freePort, startEmulator, stopAllEmulators } from "./support/emulator.ts";
import { alive, inferrsBin, OpenClawHost } from "../tools/openclaw-host.ts";

const GEMMA = "google/gemma-4-E2B-it";
const CONFIG = "plugins.entries.inferrs.config";

let host: OpenClawHost;
let port: number;

function usePluginConfig(serviceEnv: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  host.setPluginConfig({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { INFERRS_EMU_REQUEST_LOG: host.requestLog, ...serviceEnv } },
    ...extra,
  });
}

function inferRun(model: string) {
  return host.run(["infer", "model", "run", "--local", "--model", `inferrs/${model}`, "--prompt", "What is 2 + 2?", "--json"]);
}

function starts() {
  return host.requests().filter((line) => line.event === "start");
}

beforeAll(async () => {
  host = await OpenClawHost.create();
  port = await freePort();
}, 120_000);

afterEach(async () => {
  await stopAllEmulators();
});

afterAll(async () => {
  await host?.dispose();
});

test("case 1: a server the user runs that dies mid-answer gives an error naming the cause, no partial answer, exit non-zero", async () => {
  usePluginConfig();
  const answer = "one two three four five six seven";
  const user = await startEmulator({
    model: GEMMA,
    port,
    hfHome: host.hfHome,
    env: { INFERRS_EMU_CRASH_AFTER_TOKENS: "3", INFERRS_EMU_ANSWER: answer },
  });
  await user.waitForHealth(200);
  const run = await inferRun(GEMMA);
  const output = run.stdout + run.stderr;
  expect(run.code).not.toBe(0);
  expect(output).toContain(`the answer from inferrs at http://127.0.0.1:${port} was cut off: the server exited mid-answer`);
  expect(output).toContain("The partial answer was dropped; retry the request.");
  expect(output).not.toMatch(/"ok":\s*true/);
  expect(output).not.toContain("one two");
  expect(starts()).toEqual([]); // the user's server: nothing started by OpenClaw
}, 120_000);

test("case 2: model ids that are flags or paths are refused before anything is spawned; a server's list skips them", async () => {
  usePluginConfig();
  for (const id of ["--max-seq-len=1", "--help", "../../etc", "/etc/passwd"]) {
    const run = await inferRun(id);
    const output = run.stdout + run.stderr;
    expect(run.code).not.toBe(0);
    expect(output).toMatch(
      id.startsWith("-")
        ? new RegExp(`The model id "${id}" starts with "-", so inferrs would read it as a flag`)
        : new RegExp(`The model id "${id.replace(/\./g, "\\.")}" is a local path.*name that exact path under ${CONFIG}\\.models`),
    );
    expect(output).not.toContain("Usage: inferrs");
  }
  expect(starts()).toEqual([]);

  // A hostile /v1/models: flag-like, path-like and control-character ids are skipped with one warning.
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    const ids = [GEMMA, "--help", "/etc/passwd", "../../etc", "bad\u001b[31mid"];
    response.end(JSON.stringify({ object: "list", data: ids.map((id) => ({ id, object: "model", owned_by: "inferrs" })) }));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  try {
    const list = await host.run(["models", "list", "--provider", "inferrs", "--refresh", "--json"], { env: { INFERRS_API_KEY: "local" } });
    expect(list.code).toBe(0);
    const keys = (JSON.parse(list.stdout).models as Array<{ key: string }>).map((model) => model.key);
    expect(keys).toEqual([`inferrs/${GEMMA}`]);
    expect(list.stderr).toContain("skipped 4 model ids that look like flags or local paths or contain control characters");
  } finally {
    server.close();
  }
}, 180_000);

test("case 3: credentials in baseUrl are refused everywhere and never printed; nothing is spawned", async () => {
  usePluginConfig({}, { baseUrl: `http://user:hunter2-secret@127.0.0.1:${port}/v1` });
  const expected = `${CONFIG}.baseUrl is "http://<redacted>@127.0.0.1:${port}/v1": remove the user name and password from it`;
  const status = await host.run(["inferrs", "status", "--json"]);
  expect(status.code).not.toBe(0);
  expect(status.stdout + status.stderr).toContain(expected);
  const run = await inferRun(GEMMA);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain(expected);
  for (const output of [status.stdout, status.stderr, run.stdout, run.stderr]) expect(output).not.toContain("hunter2");
  expect(starts()).toEqual([]);
}, 120_000);

test("case 5: a readiness timeout with a process group that ignores SIGTERM always ends with the message and exit 1", async () => {
  usePluginConfig(
    { INFERRS_EMU_LOAD_MS: "600000", INFERRS_EMU_IGNORE_SIGTERM: "1", INFERRS_EMU_GROUP_MEMBERS: "3" },
    { service: undefined },
  );
  const config = host.readConfig() as { plugins: { entries: { inferrs: { config: Record<string, any> } } } };
  const plugin = config.plugins.entries.inferrs.config;
  plugin.service = {
    command: inferrsBin,
    readyTimeoutMs: 1000,
    env: {
      INFERRS_EMU_REQUEST_LOG: host.requestLog,
      INFERRS_EMU_LOAD_MS: "600000",
      INFERRS_EMU_IGNORE_SIGTERM: "1",
      INFERRS_EMU_GROUP_MEMBERS: "3",
    },
  };
  host.writeConfig(config);
  for (let i = 0; i < 3; i++) {
    const run = await inferRun(GEMMA);
    expect({ code: run.code, said: (run.stdout + run.stderr).includes(`inferrs did not become ready within 1000 ms while loading ${GEMMA}, so OpenClaw stopped it.`) }).toEqual({ code: 1, said: true });
  }
  const started = starts();
  expect(started).toHaveLength(3);
  for (const line of started) expect(alive(line.pid!)).toBe(false);
}, 180_000);

test("case 7: openclaw config refuses base URLs the plugin refuses, and timers past 2^31 - 1 ms", async () => {
  usePluginConfig();
  for (const baseUrl of ["not a url", "ftp://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1?x=1", "http://u:hunter2-secret@127.0.0.1:8080/v1"]) {
    const set = await host.run(["config", "set", `${CONFIG}.baseUrl`, JSON.stringify(baseUrl), "--strict-json"]);
    expect(set.code).not.toBe(0);
    expect(set.stdout + set.stderr).toContain(`${CONFIG}.baseUrl`);
    expect(set.stdout + set.stderr).not.toContain("hunter2");
  }
  const timer = await host.run(["config", "set", `${CONFIG}.service.idleStopMs`, "3000000000", "--strict-json"]);
  expect(timer.code).not.toBe(0);
  expect(timer.stdout + timer.stderr).toContain("2147483647");

  // Written past `config set`, the same values fail `config validate`.
  usePluginConfig({}, { baseUrl: "ftp://127.0.0.1:8080/v1" });
  const validate = await host.run(["config", "validate"]);
  expect(validate.code).not.toBe(0);
  expect(validate.stdout + validate.stderr).toContain(`${CONFIG}.baseUrl`);

  // autoStart with a remote host stays a runtime error with its own message.
  usePluginConfig({}, { baseUrl: "http://192.0.2.10:8080/v1", service: { autoStart: true } });
  const remote = await inferRun(GEMMA);
  expect(remote.code).not.toBe(0);
  expect(remote.stdout + remote.stderr).toContain(`${CONFIG}.service.autoStart is true but baseUrl http://192.0.2.10:8080/v1 is not a loopback address`);
}, 180_000);
