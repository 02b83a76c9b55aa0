// The packed plugin in a running OpenClaw gateway (`openclaw gateway run --bind loopback`) with no
// key anywhere: discovery at gateway start and through the gateway, agent turns that start and
// switch inferrs on demand, and gateway stop leaving no process behind. Only plugin config: no
// provider block.
import { seedHfCache } from "../tools/emulator/hf-cache.ts";
import { alive, inferrsBin, OpenClawHost, type Gateway } from "../tools/openclaw-host.ts";
import { freePort, makeTempDir, removeTempDirs, startEmulator, stopAllEmulators } from "./support/emulator.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "Qwen/Qwen3-0.6B";

let host: OpenClawHost;
let gateway: Gateway | undefined;
let port: number;

beforeAll(async () => {
  host = await OpenClawHost.create();
  port = await freePort();
  host.setPluginConfig({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { INFERRS_EMU_REQUEST_LOG: host.requestLog } },
  });
  // As `openclaw onboard --auth-choice inferrs` leaves it: an inferrs default model, which makes
  // the gateway run the plugin's discovery at start even with no credential.
  host.writeConfig({ ...host.readConfig(), agents: { defaults: { model: { primary: `inferrs/${GEMMA}` } } } });
  gateway = await host.startGateway(await freePort());
  // Discovery at start (no inferrs runs yet: our warning says so).
  await gateway.waitForOutput(/inferrs: cannot reach inferrs at http:\/\/127\.0\.0\.1:\d+\/v1\/models/, 180_000);
}, 400_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAllEmulators();
  await host?.dispose();
  removeTempDirs();
});

test("the first models list --refresh through the gateway shows every model the running inferrs lists", async () => {
  // A server the user runs, whose cache holds one model more than OpenClaw's machine knows.
  const serverCache = makeTempDir("inferrs-server-hf-");
  seedHfCache(serverCache, [GEMMA, QWEN, "HuggingFaceTB/SmolLM2-135M-Instruct"]);
  const server = await startEmulator({ model: GEMMA, port, hfHome: serverCache });
  await server.waitForHealth(200);
  try {
    const list = await host.run(["models", "list", "--provider", "inferrs", "--refresh", "--json"]);
    expect(list.code).toBe(0);
    expect(list.stderr).not.toContain("Gateway is not running");
    const models = JSON.parse(list.stdout).models as Array<{ key: string; contextWindow: number }>;
    expect(models.map((model) => [model.key, model.contextWindow])).toEqual([
      [`inferrs/${GEMMA}`, 131072],
      ["inferrs/HuggingFaceTB/SmolLM2-135M-Instruct", 131072],
      [`inferrs/${QWEN}`, 40960],
    ]);
  } finally {
    await server.stop();
  }
}, 180_000);

test("agent turns with no key start inferrs for the selected model, switch it for another, and gateway stop stops it", async () => {
  const turn = (model: string, session: string) =>
    host.run(["agent", "--model", `inferrs/${model}`, "--session-id", session, "-m", "What is 2 + 2?", "--json"], {
      timeoutMs: 300_000,
    });

  const first = await turn(GEMMA, "gemma-turn");
  expect(first.stdout).toContain("2 + 2 is 4.");
  const second = await turn(QWEN, "qwen-turn");
  expect(second.stdout).toContain("2 + 2 is 4.");

  const starts = host.starts();
  expect(starts.map((line) => line.model)).toEqual([GEMMA, QWEN]);
  expect(alive(starts[0]!.pid!)).toBe(false); // the gemma server was stopped for the switch
  expect(alive(starts[1]!.pid!)).toBe(true);
  const chats = host.requests().filter((line) => line.path === "/v1/chat/completions");
  for (const chat of chats) expect(chat.headers).toMatchObject({ authorization: "Bearer inferrs-local" });

  const status = await host.run(["inferrs", "status", "--json"]);
  expect(JSON.parse(status.stdout)).toMatchObject({
    health: "ready",
    servedModel: QWEN,
    servers: [{ model: QWEN, pid: starts[1]!.pid, startedBy: "other-openclaw" }],
  });

  await gateway!.stop();
  gateway = undefined;
  expect(alive(starts[1]!.pid!)).toBe(false);
}, 700_000);
