// llmman discovery against the llmman emulator (a real daemon process): what it lists, each
// model's context and capabilities, the store when the daemon is down, and that nothing is loaded.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { discoverLlmmanModels } from "../src/llmman/discovery/catalog.ts";
import { lookUpFacts } from "../src/llmman/discovery/facts.ts";
import { llmmanRuntimeModel } from "../src/llmman/discovery/model-entry.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { llmmanBin, startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";
import { seedLlmmanStore } from "../tools/emulator/llmman/store.ts";
import { freePort } from "../tools/net.ts";

const started: LlmmanEmulator[] = [];
const supervisors: LlmmanDaemons[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all([...started.map((emu) => emu.stop()), ...supervisors.map((daemons) => daemons.stop())]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

async function emulator(options: Parameters<typeof startLlmmanEmulator>[0] = {}): Promise<LlmmanEmulator> {
  const emu = await startLlmmanEmulator(options);
  started.push(emu);
  return emu;
}

/** A generous discovery timeout: the machine may be loaded (the default is 2 s). */
function llmmanConfig(llmman: Record<string, unknown>) {
  return resolveConfig({ llmman: { discoveryTimeoutMs: 30000, ...llmman } }).llmman;
}

const byId = <T extends { id: string }>(models: T[]) => Object.fromEntries(models.map((model) => [model.id, model]));

describe("llmman discovery", () => {
  test("a daemon the plugin started: the stored chat models with their capabilities and trained context capped by its LLMMAN_CONTEXT_LENGTH, and no embedding model", async () => {
    const state = tempDir("llmman-state-");
    const store = join(tempDir("llmman-store-"), "store");
    seedLlmmanStore(store);
    const log = join(state, "requests.jsonl");
    const config = llmmanConfig({
      baseUrl: `http://127.0.0.1:${await freePort()}/v1`,
      service: { command: llmmanBin, readyTimeoutMs: 30000, env: { LLMMAN_CONTEXT_LENGTH: "65536", LLMMAN_MODELS: store, LLMMAN_EMU_REQUEST_LOG: log } },
    });
    const daemons = new LlmmanDaemons({ env: process.env, stateDir: state });
    supervisors.push(daemons);
    const lease = await daemons.acquire(config);
    lease.release();
    expect(lease.ownedByUs).toBe(true);
    const discovery = await discoverLlmmanModels(config, { OPENCLAW_STATE_DIR: state }, { configured: true });
    expect(discovery.warnings).toEqual([]);
    expect(discovery.models.map((model) => model.id)).toEqual([
      "docker.io/ai/qwen3.5:0.8b",
      "docker.io/ai/gemma4:e2b",
      "hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest",
    ]);
    const models = byId(discovery.models);
    expect(models["docker.io/ai/qwen3.5:0.8b"]).toMatchObject({
      contextWindow: 65536,
      reasoning: true,
      input: ["text"],
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      compat: { supportsTools: true, thinkingFormat: "qwen-chat-template" },
      requestTimeoutMs: 1800000,
    });
    expect(models["docker.io/ai/gemma4:e2b"]).toMatchObject({ contextWindow: 65536, reasoning: false, input: ["text", "image"] });
    expect(models["docker.io/ai/gemma4:e2b"]!.compat).not.toHaveProperty("thinkingFormat");
    expect(models["hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest"]).toMatchObject({ input: ["text", "image"], reasoning: true });
    // Nothing was loaded, pulled or generated (the supervisor itself waits on /api/version).
    const paths = (readFileSync(log, "utf8").trim().split("\n").map((line) => JSON.parse(line)) as Array<{ event: string; path: string }>)
      .filter((entry) => entry.event === "request")
      .map((entry) => entry.path);
    expect(paths.filter((path) => !["/api/version", "/v1/models", "/api/ps", "/api/show"].includes(path))).toEqual([]);
  });

  test("a daemon the user runs: a loaded model's context is the live /api/ps value; others get the trained context capped by llmman's 262144, not by the plugin's LLMMAN_CONTEXT_LENGTH", async () => {
    const emu = await emulator({ env: { LLMMAN_CONTEXT_LENGTH: "32768" }, args: ["docker.io/ai/qwen3.5:0.8b"] });
    await emu.waitForLog(/ready on port/);
    // The plugin's service.env is for a daemon it starts; this one got the user's env.
    const config = llmmanConfig({ baseUrl: `${emu.baseUrl}/v1`, service: { env: { LLMMAN_CONTEXT_LENGTH: "65536" } } });
    const models = byId((await discoverLlmmanModels(config, {}, { configured: true })).models);
    expect(models["docker.io/ai/qwen3.5:0.8b"]!.contextWindow).toBe(32768);
    expect(models["docker.io/ai/gemma4:e2b"]!.contextWindow).toBe(131072);
    expect(models["hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest"]!.contextWindow).toBe(262144);
    // A short name resolves to the same model, with the same live context.
    const facts = await lookUpFacts(config, {}, "qwen3.5:0.8b");
    expect(llmmanRuntimeModel("qwen3.5:0.8b", facts, config)).toMatchObject({ contextWindow: 32768, provider: "llmman", reasoning: true });
  });

  test("485d055 (no capabilities, no GGUF header in /api/show): the documented fallback context, overrides win", async () => {
    const emu = await emulator({ env: { LLMMAN_EMU_VERSION: "485d055" } });
    const config = llmmanConfig({ baseUrl: `${emu.baseUrl}/v1`, models: { "gemma4:e2b": { contextWindow: 8192, input: ["text", "image"] } } });
    const models = byId((await discoverLlmmanModels(config, {}, { configured: true })).models);
    expect(models["docker.io/ai/qwen3.5:0.8b"]!.contextWindow).toBe(32768);
    expect(models["docker.io/ai/gemma4:e2b"]).toMatchObject({ contextWindow: 8192, input: ["text", "image"] });
  });

  test("with the daemon down and on-demand start possible, the store's models are listed; nothing is started", async () => {
    const emu = await emulator();
    const port = await freePort();
    const config = llmmanConfig({ baseUrl: `http://127.0.0.1:${port}/v1`, service: { env: { LLMMAN_MODELS: emu.storeDir } } });
    const discovery = await discoverLlmmanModels(config, {}, { configured: true });
    expect(discovery.reachable).toBe(false);
    expect(discovery.models.map((model) => model.id)).toContain("docker.io/ai/qwen3.5:0.8b");
    expect(byId(discovery.models)["docker.io/ai/gemma4:e2b"]!.input).toEqual(["text", "image"]);
    expect(discovery.warnings.join("\n")).toMatch(/Listing the 4 models in llmman's store .*select one and OpenClaw starts `llmman serve`/);
    const off = llmmanConfig({ baseUrl: `http://127.0.0.1:${port}/v1`, service: { autoStart: false, env: { LLMMAN_MODELS: emu.storeDir } } });
    expect((await discoverLlmmanModels(off, {}, { configured: true })).models).toEqual([]);
  });

  test("someone who does not use llmman (no llmman section, no store, no daemon) hears nothing of it", async () => {
    const home = mkdtempSync(join(tmpdir(), "llmman-home-"));
    try {
      const config = llmmanConfig({ baseUrl: `http://127.0.0.1:${await freePort()}/v1` });
      const discovery = await discoverLlmmanModels(config, { HOME: home }, { configured: false });
      expect(discovery).toEqual({ models: [], warnings: [], reachable: false });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
