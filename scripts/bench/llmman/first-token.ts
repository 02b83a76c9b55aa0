// What the plugin adds to the first token of a loaded llmman model: after a warm request (the
// daemon started by the plugin, the model listed and loaded), the plugin's time before it calls the
// host transport plus its hold on the first token, as the inferrs streaming row measures it.
// The host transport alone runs interleaved as the reference.
import { loadHostStreamSimple } from "../host-transport.ts";
import type { Progress } from "../progress.ts";
import { summarize, type Summary } from "../stats.ts";
import { ANSWER, consume, tapped, TOKEN_DELAY_MS, type Run } from "../streaming.ts";
import { ownedLlmmanPath } from "./wrapper.ts";

const WARMUPS = 2;
const RUNS = 12;
export const LLMMAN_FIRST_TOKEN_STEPS = WARMUPS + RUNS;

export type LlmmanFirstTokenResult = {
  /** Plugin's work before the host transport is called + its hold on the first token. */
  addedMs: Summary;
  preRequestMs: Summary;
  holdMs: Summary;
  pluginTtftMs: Summary;
  hostTtftMs: Summary;
  runs: number;
};

export async function benchLlmmanFirstToken(progress: Progress): Promise<LlmmanFirstTokenResult> {
  const hostStreamSimple = await loadHostStreamSimple();
  const yieldedAt = new WeakMap<object, number>();
  const inner = tapped(hostStreamSimple, yieldedAt);
  const path = await ownedLlmmanPath(inner, { LLMMAN_EMU_TOKEN_DELAY_MS: String(TOKEN_DELAY_MS), LLMMAN_EMU_ANSWER: ANSWER, LLMMAN_EMU_LOAD_MS: "100" });
  try {
    const hostModel = { ...path.model, baseUrl: path.baseUrl };
    const plugin: Run[] = [];
    const host: Run[] = [];
    for (let round = 0; round < WARMUPS + RUNS; round++) {
      const warm = round < WARMUPS;
      progress.step(`llmman first token: plugin wrapper and host transport ${warm ? `warm-up ${round + 1}/${WARMUPS}` : `run ${round - WARMUPS + 1}/${RUNS}`}`);
      const a = await consume(path.streamFn, path.model, yieldedAt, "llmman");
      const b = await consume(inner, hostModel, yieldedAt, "llmman");
      for (const run of [a, b]) if (run.text.trim() !== ANSWER) throw new Error(`llmman first token: unexpected text ${JSON.stringify(run.text.slice(0, 80))}`);
      if (!warm) {
        plugin.push(a);
        host.push(b);
      }
    }
    if (path.daemons.status().spawns !== 1) throw new Error("llmman first token: the daemon was restarted during the measurements");
    return {
      addedMs: summarize(plugin.map((run) => run.preRequestMs + run.lagMs[0]!)),
      preRequestMs: summarize(plugin.map((run) => run.preRequestMs)),
      holdMs: summarize(plugin.map((run) => run.lagMs[0]!)),
      pluginTtftMs: summarize(plugin.map((run) => run.ttftMs)),
      hostTtftMs: summarize(host.map((run) => run.ttftMs)),
      runs: RUNS,
    };
  } finally {
    await path.daemons.stop();
  }
}
