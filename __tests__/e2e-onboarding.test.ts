// Zero-step setup in the real OpenClaw CLI: `openclaw onboard --auth-choice inferrs` writes the
// base URL and an inferrs default model, with no key anywhere. (Thinking levels on the wire:
// e2e-tools.test.ts.)
import { inferrsBin } from "../tools/openclaw-host.ts";
import { useE2eSuite } from "../tools/e2e/harness.ts";

const QWEN35 = "Qwen/Qwen3.5-0.8B";

type Config = {
  plugins?: { entries?: { inferrs?: { enabled?: boolean; config?: Record<string, unknown> } } };
  agents?: { defaults?: { model?: { primary?: string } } };
};

// The plugin's service settings only: onboarding writes the base URL.
const e2e = useE2eSuite({ pluginConfig: (suite) => ({ service: suite.pluginConfig().service }) });

function onboard() {
  // --skip-health: no Gateway runs in this test (onboarding would otherwise wait for one).
  return e2e.run(["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "inferrs", "--inferrs-base-url", e2e.baseUrl, "--skip-health"]);
}

describe("openclaw onboard --non-interactive --auth-choice inferrs", () => {
  test("writes the base URL and the model the running server serves as the default, keeping the plugin config", async () => {
    // Served: Qwen3.5, although Qwen/Qwen3-0.6B comes first in the list.
    const server = await e2e.startEmulator({ model: QWEN35 });
    await server.waitForHealth(200);
    const run = await onboard();
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`inferrs at ${e2e.baseUrl} is up and serves ${QWEN35}.`);
    const config = e2e.host.readConfig() as Config;
    expect(config.plugins?.entries?.inferrs).toMatchObject({
      enabled: true,
      config: { baseUrl: e2e.baseUrl, service: { command: inferrsBin } },
    });
    expect(config.agents?.defaults?.model?.primary).toBe(`inferrs/${QWEN35}`);
  });
});
