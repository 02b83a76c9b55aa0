// Reports a daemon start: at once, at each phase llmman logs (a llama-server download before the
// bind, then the bind), and every PROGRESS_INTERVAL_MS in between, so no start waits silently.
import type { OutputTail } from "../../service/output-tail.ts";
import type { DaemonAddress } from "./config.ts";
import { parseLogLine, type DaemonPhase, type DaemonProgress } from "./log-lines.ts";

export const PROGRESS_INTERVAL_MS = 2000;

const START_PHASES: ReadonlySet<DaemonPhase> = new Set(["download", "listening"]);

/** Starts reporting; the returned function ends it, with a last "ready" report when given. */
export function watchStart(
  address: DaemonAddress,
  output: OutputTail,
  emit: (progress: DaemonProgress) => void,
): (end?: "ready") => void {
  const began = Date.now();
  const seconds = () => `${((Date.now() - began) / 1000).toFixed(Date.now() - began < 10_000 ? 1 : 0)} s`;
  let phase: DaemonPhase = "starting";
  let detail = "";
  emit({ phase, message: `llmman: starting \`llmman serve\` on ${address.bind}` });
  const off = output.onLine((line) => {
    const event = parseLogLine(line);
    if (!event || !START_PHASES.has(event.phase)) return;
    phase = event.phase;
    detail = event.message;
    emit({ phase, message: `llmman: ${detail}` });
  });
  const timer = setInterval(() => {
    emit({ phase, message: `llmman: still starting on ${address.bind}${detail ? ` (${detail})` : ""}, ${seconds()}` });
  }, PROGRESS_INTERVAL_MS);
  timer.unref();
  return (end) => {
    off();
    clearInterval(timer);
    if (end) emit({ phase: "ready", message: `llmman: ready on ${address.bind} after ${seconds()}` });
  };
}
