// Polls a readiness probe with capped backoff until it answers, the timeout passes or the signal
// aborts. Polls at least every POLL_MAX_MS, so readiness is seen within ~100 ms of it, and never
// waits past the timeout. p-retry is loaded on first use, not at plugin import.

export const POLL_MIN_MS = 20;
export const POLL_MAX_MS = 100;

export class NotReadyError extends Error {
  override name = "NotReadyError";
}

/**
 * Calls `probe` until it returns a value (not undefined); `notReady` describes the last miss.
 * Rejects with NotReadyError at the timeout, or with the signal's reason when it aborts.
 */
export async function pollUntilReady<T>(
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; signal?: AbortSignal; notReady: string },
): Promise<T> {
  const { default: pRetry } = await import("p-retry");
  const { timeoutMs, signal } = options;
  try {
    return await pRetry(
      async () => {
        const value = await probe();
        if (value === undefined) throw new NotReadyError(options.notReady);
        return value;
      },
      {
        retries: Number.POSITIVE_INFINITY,
        minTimeout: POLL_MIN_MS,
        maxTimeout: POLL_MAX_MS,
        factor: 1.5,
        randomize: false,
        maxRetryTime: timeoutMs,
        signal,
        // The poll timer must keep a one-shot CLI alive while the server starts (the child is unref'd).
        unref: false,
      },
    );
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error instanceof NotReadyError ? error : new NotReadyError(String(error));
  }
}
