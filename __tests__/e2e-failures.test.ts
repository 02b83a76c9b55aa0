// Failed requests through one running gateway (`openclaw infer model run --gateway --json`) with the
// packed plugin, for both backends: the client is told the run failed (never `ok: true` with a
// "⚠️ Agent run failed" text), at once, and the plugin's own reason is in the gateway's log
// (OpenClaw gives a gateway client only its own words). Each failure is set per model in the
// file's one config, so the gateway never reloads: one gateway start, and the three CLI runs (a
// CLI start costs seconds) run side by side in whichever test comes first.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seedLlmmanStore } from "../tools/emulator/llmman/store.ts";
import { alive, type RunResult } from "../tools/openclaw-host.ts";
import { type Backend, type LogLine, useE2eSuite } from "../tools/e2e/harness.ts";

const CRASHING = "google/gemma-4-E2B-it";
const UNLOADABLE = "Qwen/Qwen3-0.6B";
const LLMMAN_MODEL = "qwen3.5:0.8b";

// llmman's store outlives each test (the harness's own is per test): the gateway's config names it.
const storeDir = mkdtempSync(join(tmpdir(), "llmman-e2e-failures-"));
const store = join(storeDir, "store");
seedLlmmanStore(store, [`docker.io/ai/${LLMMAN_MODEL}`]);
afterAll(() => rmSync(storeDir, { recursive: true, force: true }));

const e2e = useE2eSuite({
  pluginConfig: (suite) => ({
    ...suite.pluginConfig(
      {
        env: { INFERRS_EMU_ANSWER: "one two three four five six seven" },
        service: { maxServers: 2 }, // the two models' runs do not wait for each other
        models: {
          [CRASHING]: { env: { INFERRS_EMU_CRASH_AFTER_TOKENS: "2" } },
          [UNLOADABLE]: { env: { INFERRS_EMU_LOAD_FAIL: "unsupported architecture: mamba" } },
        },
      },
      "inferrs",
    ),
    ...suite.pluginConfig({ env: { LLMMAN_MODELS: store, LLMMAN_EMU_LOAD_FAIL: "1" } }, "llmman"),
  }),
});

/** The gateway's log file (logging.file in the test config): where the plugin's own words go. */
function gatewayLog(): string {
  return readFileSync(join(e2e.host.dir, "openclaw.log"), "utf8");
}

const RUNS: Array<[string, Backend]> = [
  [CRASHING, "inferrs"],
  [UNLOADABLE, "inferrs"],
  [LLMMAN_MODEL, "llmman"],
];
let runs: Promise<Map<string, RunResult>> | undefined;

/** `infer model run --gateway --json` of `model`: the file's runs are made together, once. */
async function gatewayRun(model: string): Promise<RunResult> {
  runs ??= e2e.sharedGateway().then(async () => {
    const results = await Promise.all(RUNS.map(([id, provider]) => e2e.inferRun(id, { provider, gateway: true })));
    return new Map(results.map((result, i) => [RUNS[i]![0], result]));
  });
  return (await runs).get(model)!;
}

/** The file's request-log lines of one kind (the runs may have been made during another test). */
function logged(backend: Backend, event: string): LogLine[] {
  return e2e.host.requests(e2e.requestLog(backend)).filter((line) => line.event === event);
}

/**
 * The client's verdict: `ok: false` with a non-zero exit, with OpenClaw's words for a server error
 * (it never passes a provider's own text to a gateway client), well inside the CLI's fixed 120 s
 * wait: a "gateway timeout" would mean the host was still retrying.
 */
function expectFailedRun(run: RunResult, ref: string): void {
  expect(run.code).not.toBeNull(); // null: the CLI was killed (timeout), not an answer
  expect(run.code).not.toBe(0);
  const report = JSON.parse(run.stdout.slice(run.stdout.indexOf("{"))) as { ok: boolean; error?: { message?: string } };
  expect(report.ok).toBe(false);
  expect(run.stdout).not.toContain('"outputs"');
  expect(report.error?.message).toContain(`${ref} request failed (provider internal error)`);
  expect(report.error?.message).not.toMatch(/gateway timeout/i);
}

test("an inferrs server that crashes mid-answer fails the gateway run after one retry; the crash is in the gateway's log", async () => {
  const run = await gatewayRun(CRASHING);
  expectFailedRun(run, `inferrs/${CRASHING}`);
  expect(run.stdout + run.stderr).not.toContain("one two");
  // The host retried once (a second start), and not again: the same model failed twice in a row.
  const starts = logged("inferrs", "start").filter((start) => start.model === CRASHING);
  expect(starts).toHaveLength(2);
  for (const start of starts) expect(alive(start.pid!)).toBe(false);
  const log = gatewayLog();
  expect(log).toMatch(/inferrs exited mid-stream \(killed by SIGKILL\); the next request starts it again/);
  expect(log).toContain("the previous answer of this model failed too, so OpenClaw does not retry it again");
});

test("an inferrs model that fails to load fails the gateway run at once, loaded once; inferrs' own message is in the gateway's log", async () => {
  const run = await gatewayRun(UNLOADABLE);
  expectFailedRun(run, `inferrs/${UNLOADABLE}`);
  expect(logged("inferrs", "start").filter((start) => start.model === UNLOADABLE)).toHaveLength(1); // no same-model retry reloads it
  // inferrs' reason is the model's env value, which the plugin masks like every configured env value.
  expect(gatewayLog()).toMatch(/inferrs could not load Qwen\/Qwen3-0\.6B: Model load failed: /);
});

test("an llmman model that fails to load fails the gateway run at once, sent once; llmman's words are in the gateway's log", async () => {
  const run = await gatewayRun(LLMMAN_MODEL);
  expectFailedRun(run, `llmman/${LLMMAN_MODEL}`);
  expect(logged("llmman", "start")).toHaveLength(1);
  expect(logged("llmman", "request").filter((line) => line.path === "/v1/chat/completions")).toHaveLength(1); // not retried
  expect(gatewayLog()).toMatch(/llmman could not load qwen3\.5:0\.8b: inference server on port \d+ exited before becoming ready/);
});
