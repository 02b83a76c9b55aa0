// The packed plugin in a running OpenClaw gateway (`openclaw gateway run --bind loopback`) with no
// key anywhere: discovery at gateway start and through the gateway, agent turns that start and
// switch inferrs on demand, and gateway stop leaving no process behind. Only plugin config: no
// provider block.
import { seedHfCache } from "../tools/emulator/hf-cache.ts";
import { alive } from "../tools/openclaw-host.ts";
import { E2E_TIMEOUT_MS, useE2eSuite } from "../tools/e2e/harness.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "Qwen/Qwen3-0.6B";

const e2e = useE2eSuite({
  pluginConfig: (suite) => suite.pluginConfig(),
  // As `openclaw onboard --auth-choice inferrs` leaves it: an inferrs default model, which makes
  // the gateway run the plugin's discovery at start even with no credential.
  config: () => ({ agents: { defaults: { model: { primary: `inferrs/${GEMMA}` } } } }),
});

/** The file's gateway, once its discovery at start ran (no inferrs runs yet: our warning says so). */
async function gateway() {
  const gateway = await e2e.sharedGateway();
  await gateway.waitForOutput(/inferrs: cannot reach inferrs at http:\/\/127\.0\.0\.1:\d+\/v1\/models/, E2E_TIMEOUT_MS);
  return gateway;
}

test("the first models list --refresh through the gateway shows every model the running inferrs lists", async () => {
  await gateway();
  // A server the user runs, whose cache holds one model more than OpenClaw's machine knows.
  const serverCache = e2e.tempDir("inferrs-server-hf-");
  seedHfCache(serverCache, [GEMMA, QWEN, "HuggingFaceTB/SmolLM2-135M-Instruct"]);
  const server = await e2e.startEmulator({ model: GEMMA, hfHome: serverCache });
  await server.waitForHealth(200);
  const list = await e2e.modelsList();
  expect(list.code).toBe(0);
  expect(list.stderr).not.toContain("Gateway is not running");
  const models = JSON.parse(list.stdout).models as Array<{ key: string; contextWindow: number }>;
  expect(models.map((model) => [model.key, model.contextWindow])).toEqual([
    [`inferrs/${GEMMA}`, 131072],
    ["inferrs/HuggingFaceTB/SmolLM2-135M-Instruct", 131072],
    [`inferrs/${QWEN}`, 40960],
  ]);
});

test("agent turns with no key start inferrs for the selected model, switch it for another, and gateway stop stops it", async () => {
  const running = await gateway();
  const first = await e2e.agent(GEMMA, { session: "gemma-turn" });
  expect(first.stdout).toContain("2 + 2 is 4.");
  const second = await e2e.agent(QWEN, { session: "qwen-turn" });
  expect(second.stdout).toContain("2 + 2 is 4.");

  const starts = e2e.starts();
  expect(starts.map((line) => line.model)).toEqual([GEMMA, QWEN]);
  expect(alive(starts[0]!.pid!)).toBe(false); // the gemma server was stopped for the switch
  expect(alive(starts[1]!.pid!)).toBe(true);
  for (const chat of e2e.posts()) expect(chat.headers).toMatchObject({ authorization: "Bearer inferrs-local" });

  await running.stop();
  expect(alive(starts[1]!.pid!)).toBe(false);
});
