// The packed plugin in the real OpenClaw CLI (one-shot `--local` runs), against the emulator
// spawned as the `inferrs` executable. Only plugin config is written: no provider block.
import { alive } from "../tools/openclaw-host.ts";
import { useE2eSuite } from "../tools/e2e/harness.ts";
import { seedProviderBlock } from "../tools/seed-provider-block.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "Qwen/Qwen3.5-0.8B";
/** A release from before 2026-04-09: array `content` is a 422. */
const ARRAY_REJECTING_RELEASE = "0.0.20260401000000";

const e2e = useE2eSuite();

test("infer model run starts inferrs for the selected model with no key anywhere, prints progress lines during a start of a few seconds, and no process outlives the CLI", async () => {
  e2e.usePluginConfig({ env: { INFERRS_EMU_LOAD_MS: "4500" } });
  const run = await e2e.inferRun(GEMMA);
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, provider: "inferrs", outputs: [{ text: "2 + 2 is 4." }] });
  const port = e2e.port;
  expect(run.stderr).toContain(`inferrs: starting ${GEMMA} on port ${port}`);
  expect(run.stderr).toMatch(new RegExp(`inferrs: loading ${GEMMA} on port ${port}: (download|quantize|load), \\d+\\.\\d s`));
  // At least the 4.5 s load (more on a loaded machine).
  const ready = run.stderr.match(new RegExp(`inferrs: ${GEMMA} ready on port ${port} after (\\d+\\.\\d) s`));
  expect(Number(ready?.[1])).toBeGreaterThanOrEqual(4.5);

  const started = e2e.starts();
  expect(started.map((line) => line.argv)).toEqual([["serve", "--host", "127.0.0.1", "--port", String(port), "--device", "cpu", "--", GEMMA]]);
  expect(alive(started[0]!.pid!)).toBe(false);

  const chats = e2e.posts();
  expect(chats).toHaveLength(1);
  expect(chats[0]!.headers).toMatchObject({ authorization: "Bearer inferrs-local" });
  expect(chats[0]!.body).not.toHaveProperty("store");
  expect(chats[0]!.body).not.toHaveProperty("service_tier");
  expect(chats[0]!.body).not.toHaveProperty("stream_options");
  for (const message of chats[0]!.body!.messages as Array<{ role: string; content: unknown }>) {
    expect(typeof message.content).toBe("string");
    expect(message.role).not.toBe("developer");
  }
});

test("a server the user runs with another model is neither used nor stopped: the error names both models", async () => {
  e2e.usePluginConfig();
  const foreign = await e2e.startEmulator({ model: QWEN });
  await foreign.waitForHealth(200);
  const run = await e2e.inferRun(GEMMA);
  expect(run.code).not.toBe(0);
  expect(run.stdout + run.stderr).toContain(
    `inferrs at http://127.0.0.1:${e2e.port} serves ${QWEN}, but inferrs/${GEMMA} was selected, and that server was not started by OpenClaw (you run it)`,
  );
  expect(alive(foreign.proc.pid!)).toBe(true);
});

test("with inferrs down the model list still shows what it could serve, and the warning names the URL", async () => {
  e2e.usePluginConfig({ service: { autoStart: false } });
  const list = await e2e.modelsList({ INFERRS_API_KEY: "local" });
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
  expect(list.stderr).toContain(`cannot reach inferrs at ${e2e.baseUrl}/models (connection refused)`);
});

// The plugin's compat flags (requiresStringContent) in an agent turn: e2e-tools, where every message
// of the Qwen3 tool turn reaches inferrs as a string. Without the flag the same host sends arrays:
test("an agent turn through the seed's provider block minus its compat flag fails on an inferrs that rejects array content", async () => {
  const foreign = await e2e.startEmulator({ model: GEMMA, env: { INFERRS_EMU_RELEASE: ARRAY_REJECTING_RELEASE } });
  await foreign.waitForHealth(200);
  // The plugin disabled, and the hand-written block instead (the config is reset for the next test).
  const config = e2e.host.readConfig() as Record<string, any>;
  config.plugins.entries.inferrs = { enabled: false };
  e2e.host.writeConfig({ ...config, models: { ...config.models, ...seedProviderBlock(e2e.baseUrl, { compat: false }) } });
  const run = await e2e.agent(GEMMA, { local: true });
  expect(run.stdout + run.stderr).toContain("invalid type: sequence, expected a string");
});
