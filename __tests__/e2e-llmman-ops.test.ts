// `openclaw llmman status|stop` and a hybrid ref in the real OpenClaw CLI, against a llmman daemon
// the user runs (the emulator): status beside a running gateway shows the daemon and its loaded
// models, stop unloads one and leaves the daemon alone, and a hybrid ref answers through
// `infer model run --local` with llmman's `llmman` placeholder as the bearer. Three CLI runs.
import { alive } from "../tools/openclaw-host.ts";
import { E2E_TIMEOUT_MS, PROMPT, useE2eSuite } from "../tools/e2e/harness.ts";
import { startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";

const QWEN = "docker.io/ai/qwen3.5:0.8b";
const HYBRID = "llmman.hybrid/qwen3.5:0.8b,openai/gpt-5.6-luna";

const e2e = useE2eSuite({
  ownInstall: true,
  pluginConfig: (suite) => ({ llmman: { baseUrl: `http://127.0.0.1:${suite.port}/v1`, discoveryTimeoutMs: 30000, service: { autoStart: false } } }),
});

let daemon: LlmmanEmulator;
beforeAll(async () => {
  // Bodies over 10 bytes go to the hosted half of a hybrid ref (the daemon's own key: OPENAI_API_KEY).
  daemon = await startLlmmanEmulator({
    port: e2e.port,
    env: { LLMMAN_KEEP_ALIVE: "10m", LLMMAN_HYBRID_LOCAL_BYTES: "10", OPENAI_API_KEY: "sk-daemon" },
  });
}, E2E_TIMEOUT_MS);
afterAll(() => daemon?.stop());

const requests = (path: string) => daemon.requests().filter((line) => line.event === "request" && line.path === path);

test("llmman status --json beside a gateway shows the user's daemon and its loaded model; llmman stop <model> unloads it and leaves the daemon", async () => {
  const load = await fetch(`${daemon.baseUrl}/api/generate`, { method: "POST", body: JSON.stringify({ model: QWEN }), headers: { "content-type": "application/json" } });
  expect(load.status).toBe(200);
  await load.arrayBuffer();
  await e2e.startGateway();

  const status = await e2e.run(["llmman", "status", "--json"]);
  expect(status.code).toBe(0);
  const report = JSON.parse(status.stdout);
  expect(report.daemon).toMatchObject({ state: "up", pid: daemon.pid, startedBy: "user" });
  expect(report.loaded).toEqual([expect.objectContaining({ name: QWEN, processor: "llama-server (local)", node: null })]);
  expect(report.loaded[0].contextLength).toBeGreaterThan(0);
  expect(Date.parse(report.loaded[0].expiresAt)).toBeGreaterThan(Date.now());
  expect(report.stored).toContainEqual({ id: QWEN, loaded: true });

  const stop = await e2e.run(["llmman", "stop", "qwen3.5:0.8b"]);
  expect(stop.code).toBe(0);
  expect(stop.stdout).toContain(`Unloaded ${QWEN} from llmman at ${daemon.baseUrl}.`);
  expect(requests("/api/generate").at(-1)!.body).toEqual({ model: QWEN, keep_alive: 0 });
  const ps = (await (await fetch(`${daemon.baseUrl}/api/ps`)).json()) as { models: unknown[] };
  expect(ps.models).toEqual([]);
  expect(alive(daemon.pid)).toBe(true);
});

test("a hybrid ref answers through infer model run --local with the `llmman` bearer on the wire, never pulled", async () => {
  const run = await e2e.run(["infer", "model", "run", "--local", "--model", `llmman/${HYBRID}`, "--prompt", PROMPT, "--json"]);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.slice(run.stdout.indexOf("{")))).toMatchObject({ ok: true, provider: "llmman" });
  const chats = requests("/v1/chat/completions");
  expect(chats.map((line) => [line.body.model, line.headers.authorization])).toEqual([[HYBRID, "Bearer llmman"]]);
  expect(daemon.requests().find((line) => line.event === "provider")).toMatchObject({ provider: "openai", key_source: "daemon", key: "sk-daemon" });
  expect(requests("/api/pull")).toEqual([]);
});
