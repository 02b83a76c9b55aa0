// What a starting inferrs is doing, read from its own output: inferrs has no progress API, but it
// logs each step of a start (../shared/inferrs-api.md §12), and hf-hub prints percentages.
import type { OutputTail } from "../../service/output-tail.ts";

export type LoadPhase = "starting" | "download" | "quantize" | "load" | "ready";

export type LoadProgress = {
  model: string;
  port: number;
  phase: LoadPhase;
  /** Where inferrs printed one on its newest line (download bars). */
  percent: number | null;
  elapsedMs: number;
};

/** How often a start in progress is reported. */
export const PROGRESS_INTERVAL_MS = 2000;

const PHASES: Array<[LoadPhase, RegExp]> = [
  ["download", /Downloading|Downloaded|Fetching/i],
  ["quantize", /Quantiz/i],
  ["load", /Detected architecture|KV cache capacity|Loading model|Paged attention|Engine loop/i],
];
const PERCENT = /(\d{1,3}(?:\.\d+)?)\s?%/g;
const ANY_PHASE = new RegExp(PHASES.map(([, pattern]) => pattern.source).join("|"), "i");

export function readPhase(output: OutputTail): { phase: LoadPhase; percent: number | null } {
  const line = output.find(ANY_PHASE)?.input;
  const phase = (line && PHASES.find(([, pattern]) => pattern.test(line))?.[0]) || "starting";
  // Download bars redraw one line with \r: the newest figure is the last one on the newest line.
  const percentText = [...output.text(1).matchAll(PERCENT)].at(-1)?.[1];
  const percent = percentText === undefined ? null : Math.min(100, Number(percentText));
  return { phase: percent !== null && phase === "starting" ? "download" : phase, percent };
}

/** One line for the log: `loading google/gemma-4-E2B-it on port 8080: quantize, 42%, 12 s`. */
export function describeProgress(progress: LoadProgress): string {
  const seconds = `${(progress.elapsedMs / 1000).toFixed(progress.elapsedMs < 10_000 ? 1 : 0)} s`;
  if (progress.phase === "starting" && progress.elapsedMs < 1000) return `inferrs: starting ${progress.model} on port ${progress.port}`;
  if (progress.phase === "ready") return `inferrs: ${progress.model} ready on port ${progress.port} after ${seconds}`;
  const percent = progress.percent === null ? "" : `, ${progress.percent}%`;
  return `inferrs: loading ${progress.model} on port ${progress.port}: ${progress.phase}${percent}, ${seconds}`;
}

/**
 * Reports the start of one server now and every PROGRESS_INTERVAL_MS until the returned function
 * is called with the final phase (or nothing, when the start failed: the error says the rest).
 */
export function watchLoad(
  target: { model: string; port: number; output: OutputTail },
  emit: (progress: LoadProgress) => void,
): (end?: "ready") => void {
  const started = Date.now();
  const report = (phase?: LoadPhase) => {
    const read = readPhase(target.output);
    emit({
      model: target.model,
      port: target.port,
      phase: phase ?? read.phase,
      percent: phase ? null : read.percent,
      elapsedMs: Date.now() - started,
    });
  };
  report("starting");
  const timer = setInterval(() => report(), PROGRESS_INTERVAL_MS);
  timer.unref();
  return (end) => {
    clearInterval(timer);
    if (end) report(end);
  };
}
