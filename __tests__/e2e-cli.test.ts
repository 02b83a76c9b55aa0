// The packed plugin in the real OpenClaw CLI (one-shot `--local` runs), against the emulator
// spawned as the `inferrs` executable. Only plugin config is written: no provider block.
import { freePort, startEmulator, stopAllEmulators } from "./support/emulator.ts";
import { alive, inferrsBin, OpenClawHost } from "../tools/openclaw-host.ts";
import { seedProviderBlock } from "../tools/seed-provider-block.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "Qwen/Qwen3.5-0.8B";
/** A release from before 2026-04-09: array `content` is a 422. */
const ARRAY_REJECTING_RELEASE = "0.0.20260401000000";

let host: OpenClawHost;
let port: number;

function usePluginConfig(serviceEnv: Record<string, string> = {}, extra: Record<string, unknown> = {}): void {
  host.setPluginConfig({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { INFERRS_EMU_REQUEST_LOG: host.requestLog, ...serviceEnv } },
    ...extra,
  });
}

function inferRun(model: string, env: Record<string, string> = {}) {
  return host.run(["infer", "model", "run", "--local", "--model", `inferrs/${model}`, "--prompt", "What is 2 + 2?", "--json"], { env });
}

const starts = () => host.starts();

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

test("the packed plugin installs with npm and loads its provider", async () => {
  const inspect = await host.run(["plugins", "inspect", "inferrs", "--runtime", "--json"]);
  expect(inspect.code).toBe(0);
  const report = JSON.parse(inspect.stdout.slice(inspect.stdout.indexOf("{")));
  expect(report.plugin).toMatchObject({ id: "inferrs", status: "loaded", providerIds: ["inferrs"], enabled: true });
});

test("infer model run starts inferrs for the selected model with no key anywhere, and no process outlives the CLI", async () => {
  usePluginConfig();
  const first = await inferRun(GEMMA);
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, provider: "inferrs", outputs: [{ text: "2 + 2 is 4." }] });

  const second = await inferRun(QWEN);
  expect(second.code).toBe(0);

  const started = starts();
  expect(started.map((line) => line.argv)).toEqual([
    ["serve", "--host", "127.0.0.1", "--port", String(port), "--device", "cpu", "--", GEMMA],
    ["serve", "--host", "127.0.0.1", "--port", String(port), "--device", "cpu", "--", QWEN],
  ]);
  for (const line of started) expect(alive(line.pid!)).toBe(false);

  const chats = host.requests().filter((line) => line.path === "/v1/chat/completions");
  expect(chats).toHaveLength(2);
  for (const chat of chats) {
    expect(chat.headers).toMatchObject({ authorization: "Bearer inferrs-local" });
    expect(chat.body).not.toHaveProperty("store");
    expect(chat.body).not.toHaveProperty("service_tier");
    expect(chat.body).not.toHaveProperty("stream_options");
    for (const message of chat.body!.messages as Array<{ role: string; content: unknown }>) {
      expect(typeof message.content).toBe("string");
      expect(message.role).not.toBe("developer");
    }
  }
}, 120_000);

test("a server the user runs with another model is neither used nor stopped: the error names both models", async () => {
  usePluginConfig();
  const foreign = await startEmulator({ model: QWEN, port, hfHome: host.hfHome });
  await foreign.waitForHealth(200);
  const run = await inferRun(GEMMA);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain(
    `inferrs at http://127.0.0.1:${port} serves ${QWEN}, but inferrs/${GEMMA} was selected, and that server was not started by OpenClaw (you run it)`,
  );
  expect(alive(foreign.proc.pid!)).toBe(true);
}, 120_000);

test("a failed model load reports inferrs' own message", async () => {
  usePluginConfig();
  // Through OpenClaw's environment: a service.env value this long would be masked as a possible secret.
  const run = await inferRun(GEMMA, { INFERRS_EMU_LOAD_FAIL: "unsupported architecture: mamba" });
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toMatch(/inferrs could not load google\/gemma-4-E2B-it: .*Model load failed: .*unsupported architecture: mamba/);
  for (const line of starts().slice(-1)) expect(alive(line.pid!)).toBe(false);
}, 120_000);

test("failures in the middle of an answer become errors that say what happened", async () => {
  usePluginConfig({ INFERRS_EMU_ENGINE_ERROR: "CUDA out of memory", INFERRS_EMU_ENGINE_ERROR_AFTER_TOKENS: "2" });
  const engine = await inferRun(GEMMA);
  expect(engine.code).not.toBe(0);
  expect(engine.stdout + engine.stderr).toContain("inferrs engine error (finish_reason: error): CUDA out of memory");

  usePluginConfig({ INFERRS_EMU_CRASH_AFTER_TOKENS: "2", INFERRS_EMU_ANSWER: "one two three four five six seven" });
  const crash = await inferRun(GEMMA);
  expect(crash.code).not.toBe(0);
  expect(crash.stdout + crash.stderr).toMatch(/inferrs exited mid-stream \(killed by SIGKILL\); the next request starts it again/);
}, 120_000);

test("with inferrs down the model list still shows what it could serve, and the warning names the URL", async () => {
  usePluginConfig({}, { service: { autoStart: false } });
  const list = await host.run(["models", "list", "--provider", "inferrs", "--refresh", "--json"], {
    env: { INFERRS_API_KEY: "local" },
  });
  expect(list.code).toBe(0);
  const models = JSON.parse(list.stdout).models as Array<{ key: string; contextWindow: number; input: string }>;
  expect(models.map((model) => [model.key, model.contextWindow, model.input])).toEqual([
    ["inferrs/google/gemma-3-1b-it", 512, "text"],
    ["inferrs/google/gemma-4-E2B-it", 131072, "text+image"],
    ["inferrs/microsoft/Phi-3-mini-4k-instruct", 4096, "text"],
    ["inferrs/Qwen/Qwen3-0.6B", 40960, "text"],
    ["inferrs/Qwen/Qwen3-Embedding-0.6B", 32768, "text"],
    ["inferrs/Qwen/Qwen3.5-0.8B", 262144, "text"],
  ]);
  expect(list.stderr).toContain(`cannot reach inferrs at http://127.0.0.1:${port}/v1/models (connection refused)`);
}, 120_000);

describe("agent --local against an inferrs that rejects array content", () => {
  test("completes a turn with the plugin's compat flags and no key: no stored profile, no env var", async () => {
    usePluginConfig({ INFERRS_EMU_RELEASE: ARRAY_REJECTING_RELEASE });
    // Nothing was pasted into this host, and the harness passes no INFERRS_* variable to OpenClaw.
    const run = await host.run(["agent", "--local", "--model", `inferrs/${GEMMA}`, "-m", "What is 2 + 2?", "--json"], {
      timeoutMs: 300_000,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"finalAssistantVisibleText": "2 + 2 is 4."');
    expect(run.stderr).not.toContain("No API key found");
    const chat = host.requests().filter((line) => line.path === "/v1/chat/completions").at(-1);
    expect(chat?.headers).toMatchObject({ authorization: "Bearer inferrs-local" });
  }, 360_000);

  test("fails the same turn with the seed's provider block minus its compat flag", async () => {
    const foreign = await startEmulator({ model: GEMMA, port, hfHome: host.hfHome, env: { INFERRS_EMU_RELEASE: ARRAY_REJECTING_RELEASE } });
    await foreign.waitForHealth(200);
    const config = host.readConfig() as Record<string, any>;
    const handWritten = {
      ...config,
      plugins: { ...config.plugins, entries: { ...config.plugins.entries, inferrs: { enabled: false } } },
      models: { ...config.models, ...seedProviderBlock(`http://127.0.0.1:${port}/v1`, { compat: false }) },
    };
    host.writeConfig(handWritten);
    try {
      const run = await host.run(["agent", "--local", "--model", `inferrs/${GEMMA}`, "-m", "What is 2 + 2?", "--json"], {
        timeoutMs: 300_000,
      });
      expect(run.stdout + run.stderr).toContain("invalid type: sequence, expected a string");
    } finally {
      host.writeConfig(config);
    }
  }, 360_000);
});
