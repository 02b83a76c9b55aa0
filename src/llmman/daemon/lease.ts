// What a caller of the llmman daemons holds while its request runs: a lease on our own daemon (its
// log lines, an idle timer held off) or a no-op one on a daemon someone else runs.
import type { DaemonAddress } from "./config.ts";
import type { DaemonProgress } from "./log-lines.ts";

export type DaemonLease = {
  /** The daemon's `/v1` base URL. */
  baseUrl: string;
  ownedByUs: boolean;
  /** llmman's log lines (secrets masked) while we own it; a no-op for a daemon we did not start. */
  onLog(listener: (line: string) => void): () => void;
  release(): void;
};

export type AcquireOptions = { onProgress?(progress: DaemonProgress): void; signal?: AbortSignal };

export function foreignLease(address: DaemonAddress): DaemonLease {
  return { baseUrl: address.baseUrl, ownedByUs: false, onLog: () => () => undefined, release: () => undefined };
}

/** The promise, or the signal's reason once it aborts (the start goes on for the others). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
