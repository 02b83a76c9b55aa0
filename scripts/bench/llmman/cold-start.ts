// llmman started on demand by the plugin (it owns the daemon) for a stored, unloaded model with a
// 2 s load. llmman loads inside the chat request, so the request goes out before the load: the
// figure is from llmman's own `[llmman] <ref> ready on port <p>` log line (model loaded, read from
// the daemon output the plugin's lease relays) to the first token reaching the plugin's consumer,
// i.e. how long the plugin lets the answer wait once the model is loaded. Also: the daemon's
// `listening` line → the chat request handed to the host transport (the plugin's start path).
import type { DaemonLease } from "../../../src/llmman/daemon/supervisor.ts";
import { loadHostStreamSimple } from "../host-transport.ts";
import { startedPids } from "../processes.ts";
import type { Progress } from "../progress.ts";
import { summarize, type Summary } from "../stats.ts";
import { consume, tapped, type Run } from "../streaming.ts";
import { ownedLlmmanPath } from "./wrapper.ts";

export const LLMMAN_LOAD_MS = 2000;
const REPS = 5;
export const LLMMAN_COLD_STEPS = REPS;

export type LlmmanColdResult = {
  /** `ready on port` → first text token at the plugin's consumer. */
  loadedToFirstTokenMs: Summary;
  /** `llmman serve listening on` → the chat request handed to the host transport. */
  listeningToRequestMs: Summary;
  /** The chat request handed to the transport → `ready on port` (llmman's pull-free load). */
  requestToLoadedMs: Summary;
  loadMs: number;
};

type Rep = { listening: number; loaded: number; run: Run; started: number };

async function coldRun(): Promise<Rep> {
  const hostStreamSimple = await loadHostStreamSimple();
  const yieldedAt = new WeakMap<object, number>();
  const path = await ownedLlmmanPath(tapped(hostStreamSimple, yieldedAt), { LLMMAN_EMU_LOAD_MS: String(LLMMAN_LOAD_MS) });
  let listening = Number.NaN;
  let loaded = Number.NaN;
  // Instance wrapper (the class is untouched): notes when the daemon's phases reach this process.
  const acquire = path.daemons.acquire.bind(path.daemons);
  path.daemons.acquire = async (config, options = {}) => {
    const lease: DaemonLease = await acquire(config, {
      ...options,
      onProgress: (progress) => {
        if (progress.phase === "listening") listening = performance.now();
        options.onProgress?.(progress);
      },
    });
    lease.onLog((line) => {
      if (/^\[llmman\] \S+ ready on port \d+/.test(line.trim())) loaded = performance.now();
    });
    return lease;
  };
  try {
    const started = performance.now();
    const run = await consume(path.streamFn, path.model, yieldedAt, "llmman");
    for (const daemon of path.daemons.status().daemons) startedPids.add(daemon.pid);
    if (!Number.isFinite(listening) || !Number.isFinite(loaded)) throw new Error("llmman cold start: no `listening` or `ready on port` line seen");
    return { listening, loaded, run, started };
  } finally {
    await path.daemons.stop();
  }
}

export async function benchLlmmanColdStart(progress: Progress): Promise<LlmmanColdResult> {
  const reps: Rep[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    progress.step(`llmman cold start: daemon started by the plugin, ${LLMMAN_LOAD_MS} ms load, rep ${rep}/${REPS}`);
    reps.push(await coldRun());
  }
  const sentAt = (rep: Rep) => rep.started + rep.run.preRequestMs;
  return {
    loadedToFirstTokenMs: summarize(reps.map((rep) => rep.started + rep.run.ttftMs - rep.loaded)),
    listeningToRequestMs: summarize(reps.map((rep) => sentAt(rep) - rep.listening)),
    requestToLoadedMs: summarize(reps.map((rep) => rep.loaded - sentAt(rep))),
    loadMs: LLMMAN_LOAD_MS,
  };
}
