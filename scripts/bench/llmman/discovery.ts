// llmman discovery of 50 stored models with their context: `discoverLlmmanModels` in-process against
// a running llmman emulator whose store holds 50 chat models (so /v1/models, /api/ps and 50 ×
// /api/show), as the catalog hook runs it for a user with an `llmman` section.
import { resolveLlmmanConfig } from "../../../src/llmman/config.ts";
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
  ms: Summary;
  /** The same daemon answers fetched alone (/v1/models, /api/ps, 50 × /api/show, 8 at a time), interleaved. */
  daemonAloneMs: Summary;
  models: number;
};

/** What discovery asks the daemon, asked with plain fetch: the emulator's own share of the time. */
async function daemonAlone(origin: string): Promise<void> {
  const [models] = await Promise.all([fetch(`${origin}/v1/models`).then((res) => res.json()), fetch(`${origin}/api/ps`).then((res) => res.arrayBuffer())]);
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
    const config = resolveLlmmanConfig({ baseUrl: `${emulator.baseUrl}/v1`, service: { env: { LLMMAN_CONTEXT_LENGTH: "131072" } } });
    const expected = new Map(specs.map((spec) => [spec.ref, Math.min(spec.contextLength, 131072)]));
    const run = async () => {
      const discovery = await discoverLlmmanModels(config, {}, { configured: true });
      const wrong = discovery.models.filter((model) => expected.get(model.id) !== model.contextWindow);
      if (discovery.models.length !== STORED || wrong.length || !discovery.reachable) {
        throw new Error(`llmman discovery: expected ${STORED} models with their capped context, got ${discovery.models.length} (${wrong.length} wrong): ${discovery.warnings.join("; ")}`);
      }
    };
    progress.step(`llmman discovery: ${STORED} stored models (${REPS} reps)`);
    for (let i = 0; i < WARMUPS; i++) await run();
    const times: number[] = [];
    const alone: number[] = [];
    for (let i = 0; i < REPS; i++) {
      let started = performance.now();
      await run();
      times.push(performance.now() - started);
      started = performance.now();
      await daemonAlone(emulator.baseUrl);
      alone.push(performance.now() - started);
    }
    return { ms: summarize(times), daemonAloneMs: summarize(alone), models: STORED };
  } finally {
    await emulator.stop();
  }
}
