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

export type LlmmanDiscoveryResult = { ms: Summary; models: number };

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
    for (let i = 0; i < REPS; i++) {
      const started = performance.now();
      await run();
      times.push(performance.now() - started);
    }
    return { ms: summarize(times), models: STORED };
  } finally {
    await emulator.stop();
  }
}
