// Faults and hostile input, in the real OpenClaw CLI with the packed plugin: streams cut short by a
// server the user runs, model ids that are paths, credentials in baseUrl, and base URLs and timers
// that `openclaw config` must refuse. (A server group that ignores SIGTERM: supervisor-lifecycle.)
import { createServer } from "node:http";
import { once } from "node:events";
import { useE2eSuite } from "../tools/e2e/harness.ts";

const GEMMA = "google/gemma-4-E2B-it";
const CONFIG = "plugins.entries.inferrs.config";

const e2e = useE2eSuite();

test("case 1: a server the user runs that dies mid-answer gives an error naming the cause, no partial answer, exit non-zero", async () => {
  e2e.usePluginConfig();
  const answer = "one two three four five six seven";
  const user = await e2e.startEmulator({ model: GEMMA, env: { INFERRS_EMU_CRASH_AFTER_TOKENS: "3", INFERRS_EMU_ANSWER: answer } });
  await user.waitForHealth(200);
  const run = await e2e.inferRun(GEMMA);
  const output = run.stdout + run.stderr;
  expect(run.code).not.toBe(0);
  expect(output).toContain(`the answer from inferrs at http://127.0.0.1:${e2e.port} was cut off: the server exited mid-answer`);
  expect(output).toContain("The partial answer was dropped; retry the request.");
  expect(output).not.toMatch(/"ok":\s*true/);
  expect(output).not.toContain("one two");
  expect(e2e.starts()).toEqual([]); // the user's server: nothing started by OpenClaw
});

// CLI runs take seconds each (minutes on a loaded machine): each case runs as few as it can.
test("case 2: a model id that is a path is refused before anything is spawned; a server's list skips flag-like, path-like and control-character ids", async () => {
  e2e.usePluginConfig();
  const path = await e2e.inferRun("../../etc");
  expect(path.code).not.toBe(0);
  expect(path.stdout + path.stderr).toContain(
    `The model id "../../etc" is a local path, and inferrs would load whatever that path holds. To serve a local model, name that exact path under ${CONFIG}.models.`,
  );
  expect(e2e.starts()).toEqual([]);

  // A hostile /v1/models: flag-like, path-like and control-character ids are skipped with one warning.
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    const ids = [GEMMA, "--help", "/etc/passwd", "../../etc", "bad\u001b[31mid"];
    response.end(JSON.stringify({ object: "list", data: ids.map((id) => ({ id, object: "model", owned_by: "inferrs" })) }));
  });
  server.listen(e2e.port, "127.0.0.1");
  await once(server, "listening");
  try {
    const list = await e2e.modelsList({ INFERRS_API_KEY: "local" });
    expect(list.code).toBe(0);
    const keys = (JSON.parse(list.stdout).models as Array<{ key: string }>).map((model) => model.key);
    expect(keys).toEqual([`inferrs/${GEMMA}`]);
    expect(list.stderr).toContain("skipped 4 model ids that look like flags or local paths or contain control characters");
  } finally {
    server.close();
  }
});

test("case 3: credentials in baseUrl are refused and never printed; nothing is spawned", async () => {
  e2e.usePluginConfig({ baseUrl: `http://user:hunter2-secret@127.0.0.1:${e2e.port}/v1` });
  // The host checks the manifest's schema first and does not load a plugin whose config fails it:
  // any command (infer model run too) stops there.
  const status = await e2e.run(["inferrs", "status", "--json"]);
  expect(status.code).not.toBe(0);
  expect(status.stderr).toMatch(/baseUrl: (invalid config: )?must match pattern/);
  expect(status.stdout + status.stderr).not.toContain("hunter2");
  expect(e2e.starts()).toEqual([]);
});

test("case 7: openclaw config set refuses a base URL the plugin refuses, and never prints its credentials", async () => {
  e2e.usePluginConfig();
  const set = await e2e.run(["config", "set", `${CONFIG}.baseUrl`, JSON.stringify("http://u:hunter2-secret@127.0.0.1:8080/v1?x=1"), "--strict-json"]);
  expect(set.code).not.toBe(0);
  expect(set.stderr).toContain(`Config validation failed: ${CONFIG}.baseUrl: invalid config: must match pattern`);
  expect(set.stdout + set.stderr).not.toContain("hunter2");
});

// The same schema refuses `config set` and `config validate` alike (case 7 above): a timer past
// 2^31 - 1 ms is checked here, with the rest, in one CLI run (every timer key has the same schema
// type: config.test.ts).
test("openclaw config validate names every value the plugin owns: server flags, flag-like model keys, preload flags and paths, port 0, timers past 2^31 - 1 ms", async () => {
  e2e.usePluginConfig({
    baseUrl: "http://127.0.0.1:0/v1",
    // OpenClaw's validator reports the first refused item of a list: one per list here.
    service: { args: ["--port=9000"], preload: ["/etc/passwd"] },
    models: { "--help": {}, gemma: { args: ["--max-seq-len", "8192", "--host", "0.0.0.0"], idleStopMs: 3000000000 }, qwen: { args: ["--"] } },
  });
  const validate = await e2e.run(["config", "validate"]);
  const output = validate.stdout + validate.stderr;
  expect(validate.code).not.toBe(0);
  for (const key of ["baseUrl", "service.args.0", "service.preload.0", "models.gemma.args.2", "models.gemma.idleStopMs", "models.qwen.args.0"]) {
    expect({ key, reported: output.includes(`${CONFIG}.${key}:`) }).toEqual({ key, reported: true });
  }
  expect(output).toContain("2147483647");
  expect(output).toContain(`${CONFIG}.models:`);
  expect(output).toContain('must not have additional properties: "--help"');
  expect(output).not.toContain(`${CONFIG}.models.gemma.args.0:`); // --max-seq-len is the user's to set
  expect(e2e.starts()).toEqual([]);
});
