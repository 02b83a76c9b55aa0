// How a failed request tells OpenClaw to fail the run, and whether to retry it, for both backends.
// The host shows a gateway client only its own words for the failure ("<provider>/<model> request
// failed (provider internal error)"); the plugin's message goes to the gateway log. What the plugin
// controls is that the run fails, and how soon: `errorCode` makes it a server error (the run fails
// once retries end, instead of an unclassified "empty answer" that ends as `ok: true`), and a
// Retry-After beyond the host's retry window (OpenClaw 2026.9.6: 90 s of same-model retries) ends
// the retries at once.

/** `errorCode` of every request the plugin fails: its providers classify it as "server_error". */
export const SERVER_FAILURE_CODE = "INFERRS_PLUGIN_SERVER_FAILURE";

/**
 * The providers' `classifyFailoverReason`: the plugin's failures are server errors, the rest the
 * host's call. Unclassified, an error with no output is an "empty answer" to the host: it retries
 * it and then reports the run as done (a gateway client gets `ok: true`).
 */
export function classifyFailoverReason(ctx: { code?: string }): "server_error" | undefined {
  return ctx.code === SERVER_FAILURE_CODE ? "server_error" : undefined;
}

/** Retry-After (seconds) past the host's 90 s retry window: OpenClaw does not retry the request. */
const NO_RETRY_SECONDS = 300;
const NO_RETRY_BODY = JSON.stringify({ headers: { "retry-after": String(NO_RETRY_SECONDS) } });

/** A failure during an answer that follows another for the same model within this window is not retried. */
const REPEAT_WINDOW_MS = 120_000;

/** Said of a failed answer that the host will not retry. */
export const NOT_RETRIED = " (the previous answer of this model failed too, so OpenClaw does not retry it again)";

/** The error fields of a failed request: retried by the host once (`retry`) or not at all. */
export function failureFields(retry: boolean): { errorCode: string; errorBody?: string } {
  return retry ? { errorCode: SERVER_FAILURE_CODE } : { errorCode: SERVER_FAILURE_CODE, errorBody: NO_RETRY_BODY };
}

/** One model's run of failed answers (crash, cut, engine error). */
export type AnswerTrack = {
  /**
   * Records a failure during an answer and says whether the host may retry it: yes the first time
   * (a one-off crash recovers on the next start), no when the model's previous answer failed too
   * within REPEAT_WINDOW_MS (a server that keeps failing would otherwise be restarted for 90 s).
   */
  failed(): boolean;
  /** A completed answer ends the run of failures. */
  completed(): void;
};

// Last failed answer per model, per pool (the inferrs pool, the llmman daemons: process-wide,
// shared by the plugin's registrations).
const lastFailure = new WeakMap<object, Map<string, number>>();

export function answerTrack(pool: object, model: string): AnswerTrack {
  let byModel = lastFailure.get(pool);
  if (!byModel) lastFailure.set(pool, (byModel = new Map()));
  const failures = byModel;
  return {
    failed: () => {
      const now = Date.now();
      const previous = failures.get(model);
      failures.set(model, now);
      return previous === undefined || now - previous > REPEAT_WINDOW_MS;
    },
    completed: () => void failures.delete(model),
  };
}
