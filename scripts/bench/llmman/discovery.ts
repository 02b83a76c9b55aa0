// llmman discovery of 50 stored models with their context: `discoverLlmmanModels` in-process against
// a running llmman emulator (a daemon the user runs) whose store holds 50 chat models, as the catalog
// hook runs it for a user with an `llmman` section. The first discovery in the process asks
// /api/show for each model; later ones (a gateway's refreshes) only /v1/models, /api/ps,
// /api/version and /api/tags, as each /api/show answer is kept per manifest digest.
import { resolveLlmmanConfig } from "../../../src/llmman/config.ts";
import { LLMMAN_DEFAULT_CONTEXT } from "../../../src/llmman/defaults.ts";
import { discoverLlmmanModels } from "../../../src/llmman/discovery/catalog.ts";
import type { ModelSpec } from "../../../tools/emulator/llmman/catalog.ts";
import { startLlmmanEmulator } from "../../../tools/emulator/llmman/harness.ts";
import { onCleanup, startedPids } from "../processes.ts";
import type { Progress } from "../progress.ts";
import { summarize, type Summary } from "../stats.ts";

export const STORED = 50;
const WARMUPS = 5;
const REPS = 30;
export const LLMMAN_DISCOVERY_STEPS = 2;

export type LlmmanDiscoveryResult = {
  /** Later discoveries in the process (each /api/show answer kept). */
  ms: Summary;
  /** The same daemon answers fetched alone (/v1/models, /api/ps, /api/version, /api/tags), interleaved. */
  daemonAloneMs: Summary;
  /** The process's first discovery (50 × /api/show, 8 at a time), one run. */
  firstMs: number;
  /** The first discovery's requests fetched alone (/v1/models, /api/ps, 50 × /api/show), one run. */
  firstDaemonAloneMs: number;
  models: number;
};

const get = (url: string) => fetch(url).then((res) => res.arrayBuffer());

/** What a later discovery asks the daemon, asked with plain fetch: the emulator's own share of the time. */
async function daemonAlone(origin: string): Promise<void> {
  await Promise.all([get(`${origin}/v1/models`), get(`${origin}/api/ps`), get(`${origin}/api/version`), get(`${origin}/api/tags`)]);
}

/** What the first discovery asks the daemon, with plain fetch. */
async function firstDaemonAlone(origin: string): Promise<void> {
  const [models] = await Promise.all([fetch(`${origin}/v1/models`).then((res) => res.json()), get(`${origin}/api/ps`)]);
  const ids = (models as { data: Array<{ id: string }> }).data.map((model) => model.id);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const model = ids[next++]!;
      const res = await fetch(`${origin}/api/show`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model }) });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const specs: ModelSpec[] = Array.from({ length: STORED }, (_, i) => ({
  ref: `docker.io/ai/bench-${i}:q4`,
  arch: i % 2 ? "qwen35" : "gemma4",
  contextLength: 32768 * (1 + (i % 8)),
  size: 500_000_000 + i,
  thinking: i % 2 === 1,
  tools: true,
  ...(i % 5 === 0 ? { mmprojSize: 200_000_000 } : {}),
}));

export async function benchLlmmanDiscovery(progress: Progress): Promise<LlmmanDiscoveryResult> {
  progress.step(`llmman discovery: starting the emulator with ${STORED} stored models`);
  const emulator = await startLlmmanEmulator({ models: specs });
  startedPids.add(emulator.pid);
  onCleanup(() => emulator.stop());
  try {
    // A daemon the user runs: its context ceiling is llmman's default (the plugin's service.env is not its env).
    const config = resolveLlmmanConfig({ baseUrl: `${emulator.baseUrl}/v1` });
    const expected = new Map(specs.map((spec) => [spec.ref, Math.min(spec.contextLength, LLMMAN_DEFAULT_CONTEXT)]));
    const run = async () => {
      const discovery = await discoverLlmmanModels(config, {}, { configured: true });
      const wrong = discovery.models.filter((model) => expected.get(model.id) !== model.contextWindow);
      if (discovery.models.length !== STORED || wrong.length || !discovery.reachable) {
        throw new Error(`llmman discovery: expected ${STORED} models with their capped context, got ${discovery.models.length} (${wrong.length} wrong): ${discovery.warnings.join("; ")}`);
      }
    };
    progress.step(`llmman discovery: ${STORED} stored models (${REPS} reps)`);
    let started = performance.now();
    await firstDaemonAlone(emulator.baseUrl); // warms the emulator's store reads as much as the plugin's first run
    const firstDaemonAloneMs = performance.now() - started;
    started = performance.now();
    await run();
    const firstMs = performance.now() - started;
    for (let i = 0; i < WARMUPS; i++) await run();
    const times: number[] = [];
    const alone: number[] = [];
    for (let i = 0; i < REPS; i++) {
      started = performance.now();
      await run();
      times.push(performance.now() - started);
      started = performance.now();
      await daemonAlone(emulator.baseUrl);
      alone.push(performance.now() - started);
    }
    return { ms: summarize(times), daemonAloneMs: summarize(alone), firstMs, firstDaemonAloneMs, models: STORED };
  } finally {
    await emulator.stop();
  }
}
