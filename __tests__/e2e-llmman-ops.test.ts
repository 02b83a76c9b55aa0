// `openclaw llmman status|stop`, llmman's peers and a hybrid ref in the real OpenClaw CLI, against
// llmman daemons the user runs (the emulator): one that aggregates a peer (LLMMAN_PEERS), which the
// plugin points at. models list spans both daemons and status shows the daemon and every loaded
// model with its node; stop unloads one and leaves the daemon alone; an `agent --local` turn with no
// key on a peer's model (forwarded to the peer); a hybrid ref answers with llmman's `llmman`
// placeholder as the bearer.
import { alive } from "../tools/openclaw-host.ts";
import { E2E_TIMEOUT_MS, useE2eSuite } from "../tools/e2e/harness.ts";
import { startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";

const QWEN = "docker.io/ai/qwen3.5:0.8b";
const SMOLLM = "docker.io/ai/smollm2:latest"; // stored on the peer only
const GEMMA3 = "docker.io/ai/gemma3:1b"; // stored on the peer only, with the context an agent turn's prompt needs
const HYBRID = "llmman.hybrid/qwen3.5:0.8b,openai/gpt-5.6-luna";

const e2e = useE2eSuite({
  backend: "llmman",
  pluginConfig: (suite) => ({ llmman: { baseUrl: suite.llmmanBaseUrl, discoveryTimeoutMs: 30000, service: { autoStart: false } } }),
  // OpenClaw lists a provider's models when its default model is one of them (no key is configured).
  config: () => ({ agents: { defaults: { model: { primary: `llmman/${QWEN}` } } } }),
});

// Loaded models stay an hour: CLI starts take minutes on a loaded machine.
let peer: LlmmanEmulator;
let daemon: LlmmanEmulator;
beforeAll(async () => {
  peer = await startLlmmanEmulator({ models: [SMOLLM, GEMMA3], env: { LLMMAN_KEEP_ALIVE: "1h" } });
  // Bodies over 10 bytes go to the hosted half of a hybrid ref (the daemon's own key: OPENAI_API_KEY).
  daemon = await startLlmmanEmulator({
    port: e2e.llmmanPort,
    env: { LLMMAN_KEEP_ALIVE: "1h", LLMMAN_HYBRID_LOCAL_BYTES: "10", OPENAI_API_KEY: "sk-daemon", LLMMAN_PEERS: `127.0.0.1:${peer.port}` },
  });
}, E2E_TIMEOUT_MS);
afterAll(() => Promise.all([daemon?.stop(), peer?.stop()]));

const requests = (emu: LlmmanEmulator, path: string) => emu.requests().filter((line) => line.event === "request" && line.path === path);
const json = (stdout: string) => JSON.parse(stdout.slice(stdout.indexOf("{")));

async function load(emu: LlmmanEmulator, model: string): Promise<void> {
  const res = await fetch(`${emu.baseUrl}/api/generate`, { method: "POST", body: JSON.stringify({ model }), headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

test("models list spans the peered daemons, llmman status --json shows the user's daemon and its loaded models with their node, llmman stop <model> unloads one and leaves the daemon", async () => {
  await load(daemon, QWEN);
  await load(peer, SMOLLM);

  const list = await e2e.modelsList();
  expect(list.code).toBe(0);
  const models = json(list.stdout).models as Array<{ key: string; contextWindow: number }>;
  expect(models.map((model) => model.key)).toEqual(expect.arrayContaining([`llmman/${QWEN}`, `llmman/${SMOLLM}`]));

  const status = await e2e.run(["llmman", "status", "--json"]);
  expect(status.code).toBe(0);
  const report = JSON.parse(status.stdout);
  // The peer's GEMMA3 is loaded too when the agent test ran first.
  const loaded = (report.loaded as Array<{ name: string; contextLength: number; expiresAt: string }>).filter((model) => model.name !== GEMMA3);
  expect(report.daemon).toMatchObject({ state: "up", pid: daemon.pid, startedBy: "user" });
  expect(loaded).toEqual([
    expect.objectContaining({ name: QWEN, processor: "llama-server (local)", node: null }),
    expect.objectContaining({ name: SMOLLM, node: `127.0.0.1:${peer.port}` }),
  ]);
  expect(loaded[0]!.contextLength).toBeGreaterThan(0);
  expect(Date.parse(loaded[0]!.expiresAt)).toBeGreaterThan(Date.now());
  expect(report.stored).toContainEqual({ id: QWEN, loaded: true });
  // A peer-loaded model's context is its /api/ps entry's.
  expect(models.find((model) => model.key === `llmman/${SMOLLM}`)!.contextWindow).toBe(loaded[1]!.contextLength);

  const stop = await e2e.run(["llmman", "stop", "qwen3.5:0.8b"]);
  expect(stop.code).toBe(0);
  expect(stop.stdout).toContain(`Unloaded ${QWEN} from llmman at ${daemon.baseUrl}.`);
  expect(requests(daemon, "/api/generate").at(-1)!.body).toEqual({ model: QWEN, keep_alive: 0 });
  const ps = (await (await fetch(`${daemon.baseUrl}/api/ps`, { headers: { "x-llmman-hop": "1" } })).json()) as { models: unknown[] };
  expect(ps.models).toEqual([]); // this daemon's own models, not the peer's
  expect(alive(daemon.pid)).toBe(true);
});

test("agent --local with no key on a model stored only on a peer: the turn completes, the chat reaches the peer with the `llmman` bearer, and nothing is pulled", async () => {
  const turn = await e2e.agent("gemma3:1b", { local: true });
  expect({ code: turn.code, output: turn.stdout + turn.stderr }).toMatchObject({ code: 0 });
  expect(turn.stderr).not.toContain("No API key found");
  expect(json(turn.stdout)).toMatchObject({ meta: { agentMeta: { provider: "llmman", model: "gemma3:1b" } } });
  const chat = requests(peer, "/v1/chat/completions").at(-1)!;
  expect(chat.body).toMatchObject({ model: "gemma3:1b" }); // forwarded as sent
  expect(chat.headers).toMatchObject({ authorization: "Bearer llmman" }); // no key anywhere: llmman's placeholder
  expect([...requests(daemon, "/api/pull"), ...requests(peer, "/api/pull")]).toEqual([]);
});

test("a hybrid ref answers through infer model run --local with the `llmman` bearer on the wire, never pulled", async () => {
  const chatsBefore = requests(daemon, "/v1/chat/completions").length;
  const run = await e2e.inferRun(HYBRID);
  expect(run.code).toBe(0);
  expect(json(run.stdout)).toMatchObject({ ok: true, provider: "llmman" });
  const chats = requests(daemon, "/v1/chat/completions").slice(chatsBefore);
  expect(chats.map((line) => [line.body.model, line.headers.authorization])).toEqual([[HYBRID, "Bearer llmman"]]);
  expect(daemon.requests().filter((line) => line.event === "provider").at(-1)).toMatchObject({ provider: "openai", key_source: "daemon", key: "sk-daemon" });
  expect(requests(daemon, "/api/pull")).toEqual([]);
});
