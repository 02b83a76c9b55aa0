// Operating llmman through the plugin, against the llmman emulator: status and stop, hybrid and
// provider refs (bearer on the wire, never pulled), and two daemons peered with LLMMAN_PEERS.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLlmmanEmulator, type LlmmanEmulator, type LogEntry } from "../tools/emulator/llmman/harness.ts";
import { resolveLlmmanConfig, type ResolvedLlmmanConfig } from "../src/llmman/config.ts";
import { collectLlmmanStatus, formatLlmmanStatus } from "../src/llmman/cli/status.ts";
import { unloadModel } from "../src/llmman/cli/stop.ts";
import { discoverLlmmanModels } from "../src/llmman/discovery/catalog.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { llmmanRuntimeModel } from "../src/llmman/discovery/model-entry.ts";
import { lookUpFacts } from "../src/llmman/discovery/facts.ts";
import { createLlmmanStreamWrapper } from "../src/llmman/request/stream.ts";
import type { StreamEvent, StreamFn } from "../src/host-types.ts";
import { EventChannel } from "../src/request/event-channel.ts";

const started: LlmmanEmulator[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(started.map((emu) => emu.stop()));
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  rmSync(stateDir, { recursive: true, force: true });
});

async function emulator(options: Parameters<typeof startLlmmanEmulator>[0] = {}): Promise<LlmmanEmulator> {
  const emu = await startLlmmanEmulator(options);
  started.push(emu);
  return emu;
}

function configFor(baseUrl: string, extra: Record<string, unknown> = {}): ResolvedLlmmanConfig {
  return resolveLlmmanConfig({ baseUrl: `${baseUrl}/v1`, service: { autoStart: false }, ...extra });
}

const stateDir = mkdtempSync(join(tmpdir(), "llmman-ops-state-"));
const env: NodeJS.ProcessEnv = { HOME: stateDir };

async function load(emu: LlmmanEmulator, model: string): Promise<void> {
  const res = await fetch(`${emu.baseUrl}/api/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model }) });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/**
 * OpenClaw's transport, reduced to what these tests look at: one non-streamed chat request with the
 * bearer and payload the plugin's request path hands it (the real host transport runs in e2e).
 */
const transport = (async (model, context, options) => {
  const payload = await options?.onPayload?.({ model: model.id, messages: context.messages.map((m) => ({ role: m.role, content: m.content })), stream: false }, model);
  const res = await fetch(`${model.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${options?.apiKey}` },
    body: JSON.stringify(payload),
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }>; error?: string | { message?: string } };
  const channel = new EventChannel();
  const content = body.choices?.[0]?.message?.content;
  if (content === undefined) channel.push({ type: "error", error: { errorMessage: `${res.status} ${typeof body.error === "string" ? JSON.stringify(body.error) : body.error?.message}`, content: [] } } as never);
  else {
    channel.push({ type: "text_delta", delta: content } as never);
    channel.push({ type: "done", reason: "stop", message: { role: "assistant", content: [{ type: "text", text: content }], stopReason: "stop" } } as never);
  }
  channel.end();
  return channel;
}) as StreamFn;

/** One request through the plugin's request path (its status lines to `log`). */
async function ask(config: ResolvedLlmmanConfig, id: string, log: string[] = []): Promise<string> {
  const wrap = createLlmmanStreamWrapper({
    daemons: new LlmmanDaemons({ env, stateDir }),
    loadConfig: async () => ({ ...config, hostManaged: false }),
    defaultStreamFn: async () => transport,
    logger: { info: (line) => log.push(line) },
    env,
  });
  const model = llmmanRuntimeModel(id, await lookUpFacts(config, env, id), config);
  const stream = wrap({ provider: "llmman", modelId: id, model, streamFn: transport } as never)!;
  const events = (await stream(model as never, { messages: [{ role: "user", content: "What is 2 + 2?", timestamp: Date.now() }] } as never, {} as never)) as AsyncIterable<StreamEvent>;
  let text = "";
  for await (const event of events) {
    const e = event as { type: string; delta?: string; error?: { errorMessage?: string } };
    if (e.type === "text_delta") text += e.delta;
    if (e.type === "error") throw new Error(e.error?.errorMessage);
  }
  return text;
}

const requests = (emu: LlmmanEmulator, path: string) => emu.requests().filter((entry: LogEntry) => entry.event === "request" && String(entry.path).startsWith(path));

describe("openclaw llmman status", () => {
  test("shows the daemon, who started it, each loaded model with context, processor and until when, and the stored models", async () => {
    const emu = await emulator({ env: { LLMMAN_KEEP_ALIVE: "10m" } });
    await load(emu, "qwen3.5:0.8b");
    const status = await collectLlmmanStatus(configFor(emu.baseUrl), env, stateDir);
    expect(status.daemon).toMatchObject({ state: "up", pid: emu.pid, startedBy: "user" });
    expect(status.loaded).toEqual([
      expect.objectContaining({ name: "docker.io/ai/qwen3.5:0.8b", processor: "llama-server (local)", node: null, keptForever: false }),
    ]);
    expect(status.loaded[0]!.contextLength).toBeGreaterThan(0);
    expect(Date.parse(status.loaded[0]!.expiresAt!)).toBeGreaterThan(Date.now());
    expect(status.stored).toContainEqual({ id: "docker.io/ai/qwen3.5:0.8b", loaded: true });
    const text = formatLlmmanStatus(status);
    expect(text).toMatch(/^Started by {2}not started by OpenClaw \(you run it\)$/m);
    expect(text).toMatch(/^LOADED +CONTEXT +PROCESSOR +UNTIL$/m);
    expect(text).toMatch(/^docker\.io\/ai\/qwen3\.5:0\.8b +\d+ +llama-server \(local\) +\S+Z \(in (9m|10m)/m);
    expect(text).not.toMatch(/NODE/);
  });

  test("with the daemon down it lists llmman's store and says so", async () => {
    const emu = await emulator();
    const store = emu.storeDir;
    const config = configFor("http://127.0.0.1:9", { service: { autoStart: false, env: { LLMMAN_MODELS: store } } });
    const status = await collectLlmmanStatus(config, env, stateDir);
    expect(status.daemon.state).toBe("down");
    expect(status.storedFrom).toBe("store");
    expect(status.stored.length).toBeGreaterThan(0);
    expect(formatLlmmanStatus(status)).toMatch(/Stored models \(read from llmman's store: the daemon is down\):/);
  });

  test("a hostile /api/ps is parsed defensively: bad entries skipped, text escaped, oversized bodies refused", async () => {
    let ps = "";
    const server = createServer((req, res) => {
      if (req.url === "/api/version") return res.end(JSON.stringify({ pid: 1, exe: null, version: "v9\u001b[2J" }));
      if (req.url === "/v1/models") return res.end(JSON.stringify({ data: [] }));
      res.end(ps);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    ps = JSON.stringify({
      models: [null, 7, { name: "/etc/passwd" }, { name: "m:1", processor: "x\u001b]0;owned\u0007\u202e", node: 5, context_length: -3, expires_at: null }],
    });
    const status = await collectLlmmanStatus(configFor(origin), env, stateDir);
    expect(status.daemon.version).toBe("v9\\x1b[2J");
    expect(status.loaded).toEqual([expect.objectContaining({ name: "m:1", processor: "x\\x1b]0;owned\\x07\\u202e", node: null, contextLength: null, keptForever: true })]);
    expect(formatLlmmanStatus(status)).toMatch(/^m:1 +- +x\\x1b\]0;owned\\x07\\u202e +forever$/m);
    ps = JSON.stringify({ models: [{ name: "m:1", processor: "x".repeat(9 * 1024 * 1024) }] });
    const oversized = await collectLlmmanStatus(configFor(origin), env, stateDir);
    expect(oversized.loaded).toEqual([]);
    expect(oversized.warnings.join("\n")).toMatch(/returned more than \d+ bytes/);
  });
});

describe("openclaw llmman stop", () => {
  test("unloads one model with keep_alive 0 and leaves the daemon running", async () => {
    const emu = await emulator();
    await load(emu, "qwen3.5:0.8b");
    const result = await unloadModel(configFor(emu.baseUrl), env, "qwen3.5:0.8b");
    expect(result).toEqual({ unloaded: true, message: `Unloaded docker.io/ai/qwen3.5:0.8b from llmman at ${emu.baseUrl}.` });
    expect(requests(emu, "/api/generate").at(-1)!.body).toEqual({ model: "docker.io/ai/qwen3.5:0.8b", keep_alive: 0 });
    expect((await collectLlmmanStatus(configFor(emu.baseUrl), env, stateDir)).loaded).toEqual([]);
    expect(await unloadModel(configFor(emu.baseUrl), env, "qwen3.5:0.8b")).toMatchObject({ unloaded: false, message: expect.stringMatching(/is not loaded/) });
    expect(await unloadModel(configFor("http://127.0.0.1:9"), env, "qwen3.5:0.8b")).toMatchObject({ unloaded: false, message: "llmman is not running at http://127.0.0.1:9: nothing to stop." });
  });
});

describe("every loaded model busy", () => {
  test("llmman's 503 is sent again with backoff, saying it waits for a free slot, until the busy model is done; then it answers", async () => {
    const emu = await emulator({ env: { LLMMAN_MAX_LOADED_MODELS: "1", LLMMAN_EMU_TOKEN_DELAY_MS: "150" } });
    // gemma holds the only slot while it streams its answer.
    const busy = await fetch(`${emu.baseUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gemma4:e2b", stream: true, messages: [{ role: "user", content: "What is 2 + 2?" }] }),
    });
    const reader = busy.body!.getReader();
    await reader.read(); // its first chunk: loaded and in flight
    const drained = (async () => {
      while (!(await reader.read()).done);
    })();
    const log: string[] = [];
    expect(await ask(configFor(emu.baseUrl), "qwen3.5:0.8b", log)).toBe("2 + 2 = 4.");
    await drained;
    expect(log.some((line) => /every loaded model is busy; waiting for a free slot for qwen3\.5:0\.8b \(attempt 1,/.test(line))).toBe(true);
    expect(requests(emu, "/v1/chat/completions").filter((entry) => entry.body?.model === "qwen3.5:0.8b").length).toBeGreaterThan(1);
  });
});

describe("hybrid and hosted refs", () => {
  const hybrid = "llmman.hybrid/qwen3.5:0.8b,openai/gpt-5.6-luna";

  test("with no key configured the `llmman` bearer goes on the wire, and the daemon spends its own key; nothing is pulled", async () => {
    // Any body over 10 bytes goes to the hosted half.
    const emu = await emulator({ env: { OPENAI_API_KEY: "sk-daemon", LLMMAN_HYBRID_LOCAL_BYTES: "10" } });
    const config = configFor(emu.baseUrl, { models: { [hybrid]: {} } });
    expect(await ask(config, hybrid)).toBe("2 + 2 = 4.");
    const chat = requests(emu, "/v1/chat/completions");
    expect(chat.map((entry) => entry.headers.authorization)).toEqual(["Bearer llmman"]);
    expect(chat[0]!.body.model).toBe(hybrid);
    // The provider event: the hosted half answered, with the daemon's own key.
    expect(emu.requests().find((entry) => entry.event === "provider")).toMatchObject({ key_source: "daemon", key: "sk-daemon" });
    expect(requests(emu, "/api/pull")).toEqual([]);
    expect(requests(emu, "/api/show").map((entry) => entry.body.model)).not.toContain(hybrid);
  });

  test("a configured key is forwarded to the hosted provider; provider refs are never pulled or looked up", async () => {
    const emu = await emulator({ env: { OPENAI_API_KEY: "sk-daemon" } });
    const id = "llmman.provider/openai/gpt-5.6-luna";
    const config = configFor(emu.baseUrl, { apiKey: "sk-user", models: { [id]: { contextWindow: 400000 } } });
    expect(llmmanRuntimeModel(id, await lookUpFacts(config, env, id), config).contextWindow).toBe(400000);
    expect(await ask(config, id)).toBe("2 + 2 = 4.");
    expect(emu.requests().find((entry) => entry.event === "provider")).toMatchObject({ key_source: "client", key: "sk-user" });
    expect(requests(emu, "/api/pull")).toEqual([]);
    expect(requests(emu, "/api/show")).toEqual([]);
  });

  test("a hybrid ref's context window is its local half's; discovery looks up only the local half", async () => {
    const emu = await emulator();
    const config = configFor(emu.baseUrl, { models: { [hybrid]: {} } });
    const discovery = await discoverLlmmanModels(config, env, { configured: true });
    const local = discovery.models.find((model) => model.id === "docker.io/ai/qwen3.5:0.8b")!;
    expect(discovery.models.find((model) => model.id === hybrid)!.contextWindow).toBe(local.contextWindow);
    expect(requests(emu, "/api/show").map((entry) => entry.body.model)).not.toContain(hybrid);
  });
});

describe("several machines through llmman's peers", () => {
  test("two peered daemons are one model list; a peer-loaded model has its /api/ps context and the node column; a peer's model is not pulled here; stop unloads it on its node", async () => {
    const peer = await emulator({ models: ["docker.io/ai/smollm2:latest"] });
    const front = await emulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_PEERS: `127.0.0.1:${peer.port}`, LLMMAN_CONTEXT_LENGTH: "4096" } });
    await load(peer, "smollm2:latest");
    const config = configFor(front.baseUrl);
    const discovery = await discoverLlmmanModels(config, env, { configured: true });
    expect(discovery.models.map((model) => model.id).sort()).toEqual(["docker.io/ai/qwen3.5:0.8b", "docker.io/ai/smollm2:latest"]);
    const status = await collectLlmmanStatus(config, env, stateDir);
    const onPeer = status.loaded.find((model) => model.name === "docker.io/ai/smollm2:latest")!;
    expect(onPeer.node).toBe(`127.0.0.1:${peer.port}`);
    expect(discovery.models.find((model) => model.id === onPeer.name)!.contextWindow).toBe(onPeer.contextLength);
    const text = formatLlmmanStatus(status);
    expect(text).toMatch(/^LOADED +CONTEXT +PROCESSOR +NODE +UNTIL$/m);
    expect(text).toMatch(new RegExp(`^docker\\.io/ai/smollm2:latest +${onPeer.contextLength} +llama-server \\(local\\) +127\\.0\\.0\\.1:${peer.port} `, "m"));
    expect(await ask(config, "smollm2:latest")).toBe("2 + 2 = 4.");
    expect([...requests(front, "/api/pull"), ...requests(peer, "/api/pull")]).toEqual([]);
    // llmman stop: unloaded where it is loaded, the peer getting llmman's placeholder, not a configured key.
    expect(await unloadModel(configFor(front.baseUrl, { apiKey: "sk-user" }), env, "smollm2:latest")).toEqual({
      unloaded: true,
      message: `Unloaded docker.io/ai/smollm2:latest on 127.0.0.1:${peer.port} from llmman at ${front.baseUrl}.`,
    });
    expect(requests(peer, "/api/generate").at(-1)).toMatchObject({ body: { model: "docker.io/ai/smollm2:latest", keep_alive: 0 }, headers: { authorization: "Bearer llmman" } });
    expect((await collectLlmmanStatus(config, env, stateDir)).loaded.map((model) => model.name)).not.toContain("docker.io/ai/smollm2:latest");
  });
});
