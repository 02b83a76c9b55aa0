// llmman discovery against the llmman emulator (a real daemon process): what it lists, each
// model's context and capabilities, the store (and its GGUF headers) when the daemon is down, and
// that nothing is loaded.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { discoverLlmmanModels } from "../src/llmman/discovery/catalog.ts";
import { lookUpFacts } from "../src/llmman/discovery/facts.ts";
import { readGgufFacts } from "../src/llmman/discovery/gguf-header.ts";
import { llmmanRuntimeModel } from "../src/llmman/discovery/model-entry.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { llmmanBin, startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";
import { DEFAULT_STORE_MODELS, GEMMA4_E2B } from "../tools/emulator/llmman/catalog.ts";
import { encodeGguf } from "../tools/emulator/llmman/gguf.ts";
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
    expect(paths.filter((path) => !["/api/version", "/v1/models", "/api/ps", "/api/tags", "/api/show"].includes(path))).toEqual([]);
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

  test("a second discovery asks /api/show again only for a model pulled anew (GET /api/tags gives each manifest digest)", async () => {
    const emu = await emulator();
    const config = llmmanConfig({ baseUrl: `${emu.baseUrl}/v1` });
    const shown = () => emu.requests().filter((entry) => entry.event === "request" && entry.path === "/api/show").map((entry) => entry.body.model);
    await discoverLlmmanModels(config, {}, { configured: true });
    expect(shown()).toHaveLength(4);
    await discoverLlmmanModels(config, {}, { configured: true });
    expect(shown()).toHaveLength(4);
    // smollm2 is pulled, gemma pulled again as another model (a new manifest digest).
    seedLlmmanStore(emu.storeDir, ["docker.io/ai/smollm2:latest", { ...GEMMA4_E2B, contextLength: 65536 }]);
    const models = byId((await discoverLlmmanModels(config, {}, { configured: true })).models);
    expect(shown().slice(4).sort()).toEqual(["docker.io/ai/gemma4:e2b", "docker.io/ai/smollm2:latest"]);
    expect(models["docker.io/ai/gemma4:e2b"]!.contextWindow).toBe(65536);
  });

  test("485d055 (no capabilities, no GGUF header in /api/show): the documented fallback context, overrides win", async () => {
    const emu = await emulator({ env: { LLMMAN_EMU_VERSION: "485d055" } });
    const config = llmmanConfig({ baseUrl: `${emu.baseUrl}/v1`, models: { "gemma4:e2b": { contextWindow: 8192, input: ["text", "image"] } } });
    const models = byId((await discoverLlmmanModels(config, {}, { configured: true })).models);
    expect(models["docker.io/ai/qwen3.5:0.8b"]!.contextWindow).toBe(32768);
    expect(models["docker.io/ai/gemma4:e2b"]).toMatchObject({ contextWindow: 8192, input: ["text", "image"] });
  });

  test("with the daemon down and on-demand start possible, the store's chat models are listed with their GGUF headers' trained context, capped by the plugin's LLMMAN_CONTEXT_LENGTH; no embedding model; nothing is started", async () => {
    const store = seedLlmmanStore(join(tempDir("llmman-store-"), "store"), [...DEFAULT_STORE_MODELS, "docker.io/ai/smollm2:latest"]);
    // A blob that is no GGUF: the store cannot tell its context, so the documented fallback applies.
    const smollm = store.list().find((model) => model.ref === "docker.io/ai/smollm2:latest")!;
    writeFileSync(smollm.ggufPath!, "not a GGUF header");
    const baseUrl = `http://127.0.0.1:${await freePort()}/v1`;
    const config = llmmanConfig({ baseUrl, service: { env: { LLMMAN_MODELS: store.dir } } });
    const discovery = await discoverLlmmanModels(config, {}, { configured: true });
    expect(discovery.reachable).toBe(false);
    expect(discovery.models.map((model) => [model.id, model.contextWindow, model.input])).toEqual([
      ["docker.io/ai/qwen3.5:0.8b", 262144, ["text"]],
      ["docker.io/ai/gemma4:e2b", 131072, ["text", "image"]],
      ["hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest", 262144, ["text", "image"]],
      ["docker.io/ai/smollm2:latest", 32768, ["text"]],
    ]);
    expect(discovery.warnings.join("\n")).toMatch(/Listing the 4 models in llmman's store .*select one and OpenClaw starts `llmman serve`/);
    const capped = llmmanConfig({ baseUrl, service: { env: { LLMMAN_MODELS: store.dir, LLMMAN_CONTEXT_LENGTH: "65536" } } });
    const models = byId((await discoverLlmmanModels(capped, {}, { configured: true })).models);
    expect(models["docker.io/ai/gemma4:e2b"]!.contextWindow).toBe(65536);
    expect(models["docker.io/ai/smollm2:latest"]!.contextWindow).toBe(65536); // the daemon's ceiling, as documented
    expect(llmmanRuntimeModel("gemma4:e2b", await lookUpFacts(capped, {}, "gemma4:e2b"), capped).contextWindow).toBe(65536);
    const off = llmmanConfig({ baseUrl, service: { autoStart: false, env: { LLMMAN_MODELS: store.dir } } });
    expect((await discoverLlmmanModels(off, {}, { configured: true })).models).toEqual([]);
  });

  test("a store blob's GGUF header is read only up to the tokenizer's keys, and a hostile or cut header gives no context and no error", () => {
    const dir = tempDir("llmman-gguf-");
    const file = (name: string, data: Buffer) => (writeFileSync(join(dir, name), data), join(dir, name));
    const header = encodeGguf({ "general.architecture": "qwen35", "qwen35.context_length": 40960, "tokenizer.ggml.model": "gpt2", "qwen35.pooling_type": 1 });
    // The pooling type after the tokenizer's keys is not read (llama.cpp writes it before them).
    expect(readGgufFacts(file("model.gguf", header))).toEqual({ architecture: "qwen35", contextLength: 40960, embedding: false });
    // Cut inside the context key.
    expect(readGgufFacts(file("cut.gguf", header.subarray(0, 80)))).toEqual({ architecture: "qwen35", contextLength: undefined, embedding: false });
    const huge = Buffer.from(header);
    huge.writeBigUInt64LE(2n ** 62n, 24); // the first key's length
    expect(readGgufFacts(file("huge.gguf", huge))).toEqual({ architecture: undefined, contextLength: undefined, embedding: false });
    expect(readGgufFacts(join(dir, "missing.gguf"))).toEqual({ embedding: false });
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
