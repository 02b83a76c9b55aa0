// The model pool in the real OpenClaw: a gateway with `service.maxServers: 2` that preloads a model,
// keeps two models served at once, shows both in `openclaw inferrs status` run beside it, stops one
// with `openclaw inferrs stop`, and leaves no process when it stops.
import { alive } from "../tools/openclaw-host.ts";
import { E2E_TIMEOUT_MS, type PluginConfigOptions, useE2eSuite } from "../tools/e2e/harness.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "Qwen/Qwen3-0.6B";

const e2e = useE2eSuite();

function usePluginConfig(options: PluginConfigOptions = {}): void {
  e2e.usePluginConfig({ ...options, models: { [QWEN]: { args: ["--max-seq-len", "16384"] } } });
}

describe("a gateway with service.maxServers 2", () => {
  test("preloads, serves two models at once, reports both, stops one on request and all at gateway stop", async () => {
    usePluginConfig({ service: { maxServers: 2, preload: [GEMMA] } });
    const gateway = await e2e.startGateway(); // no key anywhere
    const port = e2e.port;
    await gateway.waitForOutput(new RegExp(`inferrs: ${GEMMA} ready on port ${port} after`), E2E_TIMEOUT_MS);
    expect(e2e.starts().map((line) => line.model)).toEqual([GEMMA]);

    for (const [i, model] of [GEMMA, QWEN].entries()) {
      const turn = await e2e.agent(model, { session: `pool-${i}` });
      expect(turn.stdout).toContain("2 + 2 is 4.");
    }
    const started = e2e.starts();
    expect(started.map((line) => line.model)).toEqual([GEMMA, QWEN]); // each model started once
    const [gemma, qwen] = started;
    expect(alive(gemma!.pid!) && alive(qwen!.pid!)).toBe(true); // both run at once
    expect(gemma!.port).toBe(port);
    expect(qwen!.argv).toEqual(expect.arrayContaining(["--max-seq-len", "16384"])); // QWEN's args reach only its server
    expect(gemma!.argv).not.toContain("--max-seq-len");

    const status = await e2e.run(["inferrs", "status", "--json"]);
    const report = JSON.parse(status.stdout) as { servers: Array<Record<string, unknown>> };
    expect(report.servers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ model: GEMMA, port, pid: gemma!.pid, state: "ready", startedBy: "other-openclaw", inflight: 0 }),
        expect.objectContaining({ model: QWEN, port: qwen!.port, pid: qwen!.pid, state: "ready", startedBy: "other-openclaw" }),
      ]),
    );
    expect(report.servers).toHaveLength(2);

    const stop = await e2e.run(["inferrs", "stop", QWEN]);
    expect(stop.stdout).toContain(`Stopped inferrs serving ${QWEN} (pid ${qwen!.pid}, port ${qwen!.port}).`);
    expect(alive(qwen!.pid!)).toBe(false);
    expect(alive(gemma!.pid!)).toBe(true);

    await gateway.stop();
    for (const start of e2e.starts()) expect(alive(start.pid!)).toBe(false);
  });
});
