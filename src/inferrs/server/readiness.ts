// Waits for `/health` to turn 200 (or 500: failed load) with capped backoff. Polls at least every
// 100 ms so readiness is seen within ~100 ms of it, and never waits past the timeout.
import { probeHealth } from "./probe.ts";

export const POLL_MIN_MS = 20;
export const POLL_MAX_MS = 100;

export class NotReadyError extends Error {
  override name = "NotReadyError";
}

export async function waitForHealth(
  origin: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<"ok" | "failed"> {
  // Loaded on first use, not at plugin import.
  const { default: pRetry } = await import("p-retry");
  try {
    return await pRetry(
      async () => {
        const health = await probeHealth(origin, Math.min(1000, timeoutMs));
        if (health.kind === "ok" || health.kind === "failed") return health.kind;
        throw new NotReadyError(`inferrs at ${origin} is not ready (${health.kind})`);
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: POLL_MIN_MS,
        maxTimeout: POLL_MAX_MS,
        factor: 1.5,
        randomize: false,
        maxRetryTime: timeoutMs,
        signal,
        // The poll timer must keep a one-shot CLI alive while inferrs loads (the child is unref'd).
        unref: false,
      },
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error instanceof NotReadyError ? error : new NotReadyError(String(error));
  }
}
