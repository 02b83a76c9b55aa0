// From the moment a request is sent until its first event: a line every STATUS_INTERVAL_MS
// ("loading <model>… N s"), and llmman's own load phases as it logs them when we own the daemon.
import { parseLogLine } from "../daemon/log-lines.ts";
import type { DaemonLease } from "../daemon/supervisor.ts";
import { STATUS_INTERVAL_MS } from "../defaults.ts";
import { seconds, type StatusSink } from "./progress.ts";
import { serverText } from "../../cli/printable.ts";

type Waiting = {
  model: string;
  /** The stored model whose load llmman logs (undefined for provider refs). */
  ref: string | undefined;
  /** Loaded as last seen: the wait is for an answer, not a load. */
  loaded: boolean;
  lease: Pick<DaemonLease, "onLog" | "ownedByUs">;
  started: number;
};

/** Starts reporting; returns the function that stops it (the first event arrived). */
export function watchFirstEvent(waiting: Waiting, sink: StatusSink): () => void {
  let phase: string | undefined;
  const report = (message: string, ready = false) =>
    sink({ provider: "llmman", phase: ready ? "ready" : "load", model: waiting.model, message, elapsedMs: Date.now() - waiting.started });
  const unsubscribe = waiting.lease.ownedByUs
    ? waiting.lease.onLog((line) => {
        const event = parseLogLine(line);
        if (!event?.ref || event.ref !== waiting.ref || (event.phase !== "load" && event.phase !== "loaded" && event.phase !== "pull")) return;
        phase = serverText(event.message, 200);
        report(`llmman: ${phase} (${seconds(Date.now() - waiting.started)})`, event.phase === "loaded");
      })
    : () => undefined;
  const timer = setInterval(() => {
    const elapsed = seconds(Date.now() - waiting.started);
    const what = waiting.loaded ? `waiting for ${waiting.model} to answer` : `loading ${waiting.model}`;
    report(`llmman: ${what}… ${elapsed}${phase ? ` (${phase})` : ""}`);
  }, STATUS_INTERVAL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    unsubscribe();
  };
}
