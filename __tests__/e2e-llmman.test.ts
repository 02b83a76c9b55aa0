// The packed plugin's llmman provider in the real OpenClaw CLI, against the llmman emulator
// (tools/bin/llmman), with no key anywhere and only plugin config (no provider block): the daemon
// started on demand, a missing model pulled with progress, loading lines, thinking off on the wire,
// discovery through a gateway, and OpenClaw's hand-written llmman block beside the plugin.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, OpenClawHost } from "../tools/openclaw-host.ts";
import { llmmanBin, startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";
import { seedLlmmanStore } from "../tools/emulator/llmman/store.ts";
import { freePort } from "../tools/net.ts";

type Json = Record<string, any>;

let host: OpenClawHost;
let port: number;
let store: string;
const requestLog = () => join(host.dir, "llmman-requests.jsonl");

function requests(): Json[] {
  try {
    return readFileSync(requestLog(), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line: string) => JSON.parse(line));
  } catch {
    return [];
  }
}

const chats = () => requests().filter((line) => line.event === "request" && line.path === "/v1/chat/completions");

function useLlmman(extra: Json = {}, env: Record<string, string> = {}): void {
  host.setPluginConfig({
    llmman: {
      baseUrl: `http://127.0.0.1:${port}/v1`,
      discoveryTimeoutMs: 30000, // the machine may be loaded
      service: {
        command: llmmanBin,
        env: {
          LLMMAN_MODELS: store,
          LLMMAN_EMU_REQUEST_LOG: requestLog(),
          LLMMAN_EMU_LOAD_MS: "4500",
          LLMMAN_EMU_PULL_BYTES_PER_S: "150000000",
          ...env,
        },
      },
      ...extra,
    },
  });
}

beforeAll(async () => {
  host = await OpenClawHost.create();
  port = await freePort();
  store = mkdtempSync(join(tmpdir(), "llmman-e2e-store-"));
}, 400_000);

afterAll(async () => {
  await host?.dispose();
  if (store) rmSync(store, { recursive: true, force: true });
});

test("infer model run --local starts llmman, pulls the missing model with progress, shows loading lines, answers with no key, leaves no process", async () => {
  useLlmman();
  const run = await host.run(["infer", "model", "run", "--local", "--model", "llmman/qwen3.5:0.8b", "--prompt", "What is 2 + 2?", "--json"], {
    timeoutMs: 240_000,
  });
  expect(run.code).toBe(0);
  expect(JSON.parse(run.stdout.slice(run.stdout.indexOf("{")))).toMatchObject({ ok: true, provider: "llmman" });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(output).toMatch(/llmman: pulling docker\.io\/ai\/qwen3\.5:0\.8b: \d+% \([\d.]+ MB of 532\.5 MB, [\d.]+ MB\/s\)/);
  expect(output).toMatch(/llmman: pulled docker\.io\/ai\/qwen3\.5:0\.8b/);
  expect(output).toMatch(/llmman: loading qwen3\.5:0\.8b… [\d.]+ s/);
  expect(output).toMatch(/llmman: loading docker\.io\/ai\/qwen3\.5:0\.8b on port \d+/); // llmman's own phase: we own the daemon

  const [start] = requests().filter((line) => line.event === "start");
  expect(start).toMatchObject({ argv: ["serve"], host: "127.0.0.1", port });
  expect(alive(start!.pid)).toBe(false);
  const [chat] = chats();
  expect(chat!.headers).toMatchObject({ authorization: "Bearer llmman" });
  // Discovery and the request path never loaded through Ollama routes.
  expect(requests().filter((line) => line.event === "request" && /^\/api\/(generate|chat)/.test(line.path))).toEqual([]);
}, 300_000);

test("agent --local with no key: --thinking off sends chat_template_kwargs.enable_thinking false", async () => {
  // reasoning is set here because the daemon is down when the model is resolved, and the store
  // alone does not say whether a model thinks (its GGUF chat template is not read yet).
  useLlmman({ models: { "qwen3.5:0.8b": { supportsTools: false, reasoning: true } } });
  const run = await host.run(
    ["agent", "--local", "--model", "llmman/qwen3.5:0.8b", "--thinking", "off", "-m", "What is 2 + 2?", "--json"],
    { timeoutMs: 300_000 },
  );
  expect(run.code).toBe(0);
  const chat = chats().at(-1)!;
  expect(chat.headers).toMatchObject({ authorization: "Bearer llmman" });
  expect(chat.body).toMatchObject({ chat_template_kwargs: { enable_thinking: false } });
  expect(chat.body).not.toHaveProperty("reasoning_effort");
  for (const start of requests().filter((line) => line.event === "start")) expect(alive(start.pid)).toBe(false);
}, 400_000);

describe("through a gateway, against a daemon the user runs", () => {
  let user: LlmmanEmulator;
  let gateway: Awaited<ReturnType<OpenClawHost["startGateway"]>> | undefined;

  beforeAll(async () => {
    user = await startLlmmanEmulator({ env: { LLMMAN_CONTEXT_LENGTH: "32768" }, args: ["docker.io/ai/qwen3.5:0.8b"] });
    await user.waitForLog(/ready on port/);
    port = user.port;
    useLlmman({}, { LLMMAN_CONTEXT_LENGTH: "65536" });
    host.writeConfig({ ...host.readConfig(), agents: { defaults: { model: { primary: "llmman/qwen3.5:0.8b" } } } });
    gateway = await host.startGateway(await freePort());
  }, 300_000);

  afterAll(async () => {
    await gateway?.stop();
    await user?.stop();
  });

  test("models list --provider llmman lists the stored chat models with their real context windows and no embedding model", async () => {
    const list = await host.run(["models", "list", "--provider", "llmman", "--refresh", "--json"]);
    expect(list.code).toBe(0);
    const models = JSON.parse(list.stdout.slice(list.stdout.indexOf("{"))).models as Array<{ key: string; contextWindow: number }>;
    expect(models.map((model) => [model.key, model.contextWindow])).toEqual([
      ["llmman/docker.io/ai/qwen3.5:0.8b", 32768], // loaded: its live /api/ps context
      ["llmman/docker.io/ai/gemma4:e2b", 65536], // trained 131072, capped by LLMMAN_CONTEXT_LENGTH
      ["llmman/hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest", 65536],
    ]);
    expect(user.proc.exitCode).toBeNull(); // the user's daemon is used as it is
  }, 180_000);
});



test("OpenClaw's hand-written llmman block (with localService) keeps working beside the plugin: one daemon, one entry per model", async () => {
  const blockPort = await freePort();
  const blockStore = mkdtempSync(join(tmpdir(), "llmman-e2e-block-"));
  const blockLog = join(host.dir, "llmman-block-requests.jsonl");
  seedLlmmanStore(blockStore);
  try {
    const config = host.readConfig() as Json;
    delete config.gateway;
    config.agents = { defaults: { model: { primary: "llmman/qwen3.5:0.8b" } } };
    config.plugins.entries.inferrs.config = {};
    // As docs/providers/llmman.md ("On-demand startup") has it, with the emulator as the command.
    config.models = {
      mode: "merge",
      providers: {
        llmman: {
          baseUrl: `http://127.0.0.1:${blockPort}/v1`,
          apiKey: "llmman-local",
          api: "openai-completions",
          timeoutSeconds: 300,
          localService: {
            command: llmmanBin,
            args: ["serve"],
            env: { LLMMAN_HOST: `127.0.0.1:${blockPort}`, LLMMAN_MODELS: blockStore, LLMMAN_EMU_REQUEST_LOG: blockLog, LLMMAN_EMU_LOAD_MS: "200" },
            healthUrl: `http://127.0.0.1:${blockPort}/api/version`,
            readyTimeoutMs: 180000,
            idleStopMs: 0,
          },
          models: [{ id: "qwen3.5:0.8b", name: "Qwen3.5 0.8B (llmman)", reasoning: true, input: ["text"], contextWindow: 65536, maxTokens: 8192 }],
        },
      },
    };
    host.writeConfig(config);
    const run = await host.run(["infer", "model", "run", "--local", "--model", "llmman/qwen3.5:0.8b", "--prompt", "What is 2 + 2?", "--json"], {
      timeoutMs: 240_000,
    });
    expect(run.code).toBe(0);
    const log = readFileSync(blockLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line) as Json);
    const starts = log.filter((line) => line.event === "start");
    expect(starts).toHaveLength(1); // OpenClaw's localService started it; the plugin started none
    const chat = log.find((line) => line.event === "request" && line.path === "/v1/chat/completions")!;
    expect(chat.headers).toMatchObject({ authorization: "Bearer llmman-local" }); // the block's key wins

    const list = await host.run(["models", "list", "--provider", "llmman", "--refresh", "--json"]);
    expect(list.code).toBe(0);
    const keys = (JSON.parse(list.stdout.slice(list.stdout.indexOf("{"))).models as Array<{ key: string }>).map((model) => model.key);
    expect(keys.filter((key) => /qwen3\.5:0\.8b$/.test(key) && !key.includes("hf.co"))).toEqual(["llmman/qwen3.5:0.8b"]);
  } finally {
    rmSync(blockStore, { recursive: true, force: true });
  }
}, 400_000);
