// Zero-step setup in the real OpenClaw CLI: `openclaw onboard --auth-choice inferrs` writes the
// base URL and an inferrs default model, and OpenClaw's thinking levels reach inferrs as
// `reasoning_effort` (none at all for "off"), with no key anywhere.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { inferrsBin } from "../tools/openclaw-host.ts";
import { useE2eSuite } from "../tools/e2e/harness.ts";

const QWEN35 = "Qwen/Qwen3.5-0.8B";
/** What the emulator streams as Qwen3.5's reasoning_content when reasoning_effort is set. */
const REASONING = "The user wants a short answer, so I will reply directly.";

type Config = {
  plugins?: { entries?: { inferrs?: { enabled?: boolean; config?: Record<string, unknown> } } };
  agents?: { defaults?: { model?: { primary?: string } } };
};

// The plugin's service settings only: onboarding writes the base URL.
const e2e = useE2eSuite({ pluginConfig: (suite) => ({ service: suite.pluginConfig().service }) });

function onboard(env: Record<string, string> = {}) {
  // --skip-health: no Gateway runs in this test (onboarding would otherwise wait for one).
  return e2e.run(["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "inferrs", "--inferrs-base-url", e2e.baseUrl, "--skip-health"], {
    env,
  });
}

describe("openclaw onboard --non-interactive --auth-choice inferrs", () => {
  test("with nothing served and nothing cached, fails saying how to get a model, and changes nothing", async () => {
    const before = e2e.host.readConfig();
    const run = await onboard({ HF_HOME: e2e.tempDir("inferrs-empty-hf-") });
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain(`No inferrs model to use: inferrs is not running at ${e2e.baseUrl}`);
    expect(run.stdout + run.stderr).toContain("inferrs pull <org/model>");
    expect(e2e.host.readConfig()).toEqual(before);
  });

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

describe("thinking levels on the wire (agent --local, no key)", () => {
  test("--thinking high sends reasoning_effort, streamed reasoning is thinking and not answer text; --thinking off sends none", async () => {
    // The emulator answers any user message naming a tool (OpenClaw's context does) with a tool
    // call; without tool schemas the turn is a plain answer.
    e2e.usePluginConfig({ models: { [QWEN35]: { supportsTools: false } } });
    const turn = (thinking: string) => e2e.agent(QWEN35, { local: true, thinking });

    const high = await turn("high");
    expect(high.code).toBe(0);
    const highResult = JSON.parse(high.stdout.slice(high.stdout.indexOf("{")));
    expect(JSON.stringify(highResult)).toContain('"finalAssistantRawText":"2 + 2 is 4."');
    expect(e2e.posts().at(-1)?.body).toMatchObject({ reasoning_effort: "high" });
    // The reasoning was kept as a thinking block of the session, outside the answer text.
    expect(sessionFilesContaining(REASONING)).not.toHaveLength(0);

    const off = await turn("off");
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('"finalAssistantVisibleText": "2 + 2 is 4."');
    expect(e2e.posts().at(-1)?.body).not.toHaveProperty("reasoning_effort");
  });
});

/** Files of OpenClaw's state (sessions, transcripts) whose bytes contain `text`. */
function sessionFilesContaining(text: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.size < 64 * 1024 * 1024 && readFileSync(path).includes(text)) found.push(path);
    }
  };
  walk(e2e.host.stateDir);
  return found;
}
