// The packed plugin in a running OpenClaw gateway (`openclaw gateway run --bind loopback`):
// live discovery through the gateway, agent turns that start and switch inferrs on demand, and
// gateway stop leaving no process behind. Only plugin config: no provider block.
import { seedHfCache } from "../tools/emulator/hf-cache.ts";
import { alive, inferrsBin, OpenClawHost, type Gateway } from "../tools/openclaw-host.ts";
import { freePort, makeTempDir, startEmulator, stopAllEmulators } from "./support/emulator.ts";

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
  // Agent turns of a third-party provider need a credential in 2026.9.6: any value will do.
  gateway = await host.startGateway(await freePort(), { INFERRS_API_KEY: "local" });
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAllEmulators();
  await host?.dispose();
});

/**
 * Right after a gateway starts, OpenClaw 2026.9.6 answers a refresh after at most 5 s with what its
 * catalog worker has published so far (`pendingProviders: ["inferrs"]`, which the CLI does not
 * print): an empty list while the worker is still loading plugins. The next call has the models.
 */
async function listModels() {
  const args = ["models", "list", "--provider", "inferrs", "--refresh", "--json"];
  const first = await host.run(args);
  return first.code === 0 && JSON.parse(first.stdout).count === 0 ? host.run(args) : first;
}

test("models list --refresh through the gateway shows every model the running inferrs lists", async () => {
  // A server the user runs, whose cache holds one model more than OpenClaw's machine knows.
  const serverCache = makeTempDir("inferrs-server-hf-");
  seedHfCache(serverCache, [GEMMA, QWEN, "HuggingFaceTB/SmolLM2-135M-Instruct"]);
  const server = await startEmulator({ model: GEMMA, port, hfHome: serverCache });
  await server.waitForHealth(200);
  try {
    const list = await listModels();
    expect(list.code).toBe(0);
    const models = JSON.parse(list.stdout).models as Array<{ key: string; contextWindow: number }>;
    expect(models.map((model) => [model.key, model.contextWindow])).toEqual([
      [`inferrs/${GEMMA}`, 131072],
      ["inferrs/HuggingFaceTB/SmolLM2-135M-Instruct", 131072],
      [`inferrs/${QWEN}`, 40960],
    ]);
  } finally {
    await server.stop();
  }
}, 120_000);

test("agent turns start inferrs for the selected model, switch it for another, and gateway stop stops it", async () => {
  const turn = (model: string, session: string) =>
    host.run(["agent", "--model", `inferrs/${model}`, "--session-id", session, "-m", "What is 2 + 2?", "--json"]);

  const first = await turn(GEMMA, "gemma-turn");
  expect(first.stdout).toContain("2 + 2 = 4.");
  const second = await turn(QWEN, "qwen-turn");
  expect(second.stdout).toContain("2 + 2 = 4.");

  const starts = host.requests().filter((line) => line.event === "start");
  expect(starts.map((line) => line.argv![1])).toEqual([GEMMA, QWEN]);
  expect(alive(starts[0]!.pid!)).toBe(false); // the gemma server was stopped for the switch
  expect(alive(starts[1]!.pid!)).toBe(true);

  const status = await host.run(["inferrs", "status", "--json"]);
  expect(JSON.parse(status.stdout)).toMatchObject({
    health: "ready",
    servedModel: QWEN,
    ownedByOpenClaw: true,
    pid: starts[1]!.pid,
  });

  await gateway!.stop();
  gateway = undefined;
  expect(alive(starts[1]!.pid!)).toBe(false);
}, 240_000);
