// The packed plugin in a running OpenClaw gateway (`openclaw gateway run --bind loopback`):
// discovery at gateway start, agent turns that start and switch inferrs on demand, and gateway
// stop leaving no process behind. Only plugin config: no provider block.
import { alive, inferrsBin, OpenClawHost, type Gateway } from "../tools/openclaw-host.ts";
import { freePort } from "./support/emulator.ts";

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
  // With a credential the gateway runs discovery at start (no inferrs runs yet: our warning says so).
  await gateway.waitForOutput(/inferrs: cannot reach inferrs at http:\/\/127\.0\.0\.1:\d+\/v1\/models/, 120_000);
}, 300_000);

afterAll(async () => {
  await gateway?.stop();
  await host?.dispose();
});

test("agent turns start inferrs for the selected model, switch it for another, and gateway stop stops it", async () => {
  const turn = (model: string, session: string) =>
    host.run(["agent", "--model", `inferrs/${model}`, "--session-id", session, "-m", "What is 2 + 2?", "--json"]);

  const first = await turn(GEMMA, "gemma-turn");
  expect(first.stdout).toContain("2 + 2 = 4.");
  const second = await turn(QWEN, "qwen-turn");
  expect(second.stdout).toContain("2 + 2 = 4.");

  const starts = host.requests().filter((line) => line.event === "start");
  expect(starts.map((line) => line.argv!.at(-1))).toEqual([GEMMA, QWEN]); // the model comes last, after `--`
  expect(alive(starts[0]!.pid!)).toBe(false); // the gemma server was stopped for the switch
  expect(alive(starts[1]!.pid!)).toBe(true);

  const status = await host.run(["inferrs", "status", "--json"]);
  expect(JSON.parse(status.stdout)).toMatchObject({
    health: "ready",
    servedModel: QWEN,
    startedBy: "other-openclaw", // the gateway started it; status runs in another process
    pid: starts[1]!.pid,
  });

  await gateway!.stop();
  gateway = undefined;
  expect(alive(starts[1]!.pid!)).toBe(false);
}, 240_000);
