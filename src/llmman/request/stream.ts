// llmman's side of the request path: a lease on the daemon (started on demand), a pull with
// progress for a model the daemon does not store, "loading …" lines until the first event (with
// llmman's own load phases when we own the daemon), retries while every loaded model is busy, and
// llmman's errors worded with their fix. The request is never abandoned mid-load: llmman cancels a
// load whose client disconnects.
import type { StreamFn, WrapStreamFn } from "../../host-types.ts";
import { createBackendStreamWrapper, type Attempt } from "../../request/wrap-stream.ts";
import type { LlmmanRequestConfig } from "../provider.ts";
import type { LlmmanDaemons } from "../daemon/supervisor.ts";
import { LLMMAN_PROVIDER_ID } from "../defaults.ts";
import type { LlmmanCompat } from "../discovery/model-entry.ts";
import { bearerFor } from "../discovery/facts.ts";
import { modelIdProblem, parseModelRef, storedRefOf } from "../model-id.ts";
import { busyTimeout, explainRefusal, isBusy, llmmanWords } from "./errors.ts";
import type { LlmmanStatus, StatusSink } from "./progress.ts";
import { ensureStored, markStored } from "./stored.ts";
import { watchFirstEvent } from "./waiting.ts";

export type LlmmanRequestDeps = {
  daemons: Pick<LlmmanDaemons, "acquire">;
  loadConfig: (hostConfig: unknown) => Promise<LlmmanRequestConfig>;
  defaultStreamFn: () => Promise<StreamFn>;
  logger: { info(message: string): void };
  emitStatus?: (runId: string, status: object) => void;
  env: NodeJS.ProcessEnv;
};

class BusyError extends Error {}

/** No lease of ours: the host's localService holds the daemon; llmman pulls a missing model itself. */
const HOST_MANAGED = { baseUrl: "", ownedByUs: false, onLog: () => () => undefined, release: () => undefined };

export function createLlmmanStreamWrapper(deps: LlmmanRequestDeps): WrapStreamFn {
  return createBackendStreamWrapper<LlmmanRequestConfig>({
    providerId: LLMMAN_PROVIDER_ID,
    pool: deps.daemons,
    loadConfig: deps.loadConfig,
    defaultStreamFn: deps.defaultStreamFn,
    emitStatus: deps.emitStatus,
    prepare: async (model, config, { onStatus, signal }) => {
      const problem = modelIdProblem(model.id);
      if (problem) throw new Error(problem);
      const started = Date.now();
      const deadline = AbortSignal.timeout(config.requestTimeoutMs);
      const within = signal ? AbortSignal.any([signal, deadline]) : deadline;
      const sink: StatusSink = (status) => {
        deps.logger.info(status.message);
        onStatus?.(status);
      };
      // OpenClaw's own localService (a hand-written block) starts the daemon inside its transport.
      const lease = config.hostManaged
        ? HOST_MANAGED
        : await deps.daemons.acquire(config, {
            signal: within,
            // The daemon supervisor logs its own start lines: here they only become status events.
            onProgress: (progress) =>
              onStatus?.({ provider: "llmman", phase: "daemon", model: model.id, message: `llmman: ${progress.message}`, elapsedMs: Date.now() - started }),
          });
      const apiKey = bearerFor(config, deps.env);
      const baseUrl = config.hostManaged ? (model.baseUrl ?? config.baseUrl) : lease.baseUrl;
      const origin = new URL(baseUrl).origin;
      // Hybrid and provider refs are never pulled or pre-loaded: llmman routes them itself.
      const parsed = parseModelRef(model.id);
      const ref = storedRefOf(parsed);
      let loaded: boolean | undefined;
      try {
        if (parsed.kind === "local" && !config.hostManaged) {
          loaded = await ensureStored({ origin, apiKey, timeoutMs: config.requestTimeoutMs }, parsed.ref, within, sink);
        }
      } catch (error) {
        lease.release();
        throw error;
      }
      return {
        baseUrl,
        apiKey,
        payload: { tools: (model.compat as LlmmanCompat | undefined)?.supportsTools !== false, contentParts: true, streamUsage: true },
        served: {
          cutShort: async (detail) =>
            `${detail} — the answer from llmman at ${origin} was cut off (the connection closed mid-answer). The partial answer was dropped; retry the request.`,
          refused: (errorMessage) => explainRefusal(errorMessage, model.id),
        },
        release: () => lease.release(),
        sending: () => {
          const stop = watchFirstEvent({ model: model.id, ref, loaded: loaded === true, lease, started: Date.now() }, sink);
          return () => {
            stop();
            if (ref !== undefined && parsed.kind === "local") markStored(origin, ref, true);
          };
        },
        send: (attempt) => retryWhileBusy(attempt, model.id, within, sink),
      };
    },
  });
}

/** llmman's 503 while every loaded model is busy: sent again with backoff until the request timeout. */
async function retryWhileBusy(attempt: () => Promise<Attempt>, model: string, signal: AbortSignal, sink: StatusSink): Promise<Attempt> {
  const once = async () => {
    const result = await attempt();
    const first = result.first;
    if (first?.type === "error" && first.error.content.length === 0 && isBusy(first.error.errorMessage ?? "")) {
      throw new BusyError(llmmanWords(first.error.errorMessage ?? "").text);
    }
    return result;
  };
  const started = Date.now();
  // The common case (no 503) sends once and loads no retry machinery before the first token.
  let firstBusy: BusyError | undefined;
  try {
    return await once();
  } catch (error) {
    if (!(error instanceof BusyError)) throw error;
    firstBusy = error;
  }
  let busy: string | undefined;
  const { default: pRetry } = await import("p-retry");
  try {
    // The first attempt already failed busy: p-retry sees that failure as its first, then backs off.
    const again = async () => {
      if (!firstBusy) return once();
      const error = firstBusy;
      firstBusy = undefined;
      throw error;
    };
    return await pRetry(again, {
      retries: Number.POSITIVE_INFINITY,
      factor: 1.5,
      minTimeout: 500,
      maxTimeout: 5000,
      signal,
      shouldRetry: ({ error }) => error instanceof BusyError && !signal.aborted,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (!(error instanceof BusyError)) return;
        busy = error.message;
        const status: LlmmanStatus = {
          provider: "llmman",
          phase: "load",
          model,
          message: `llmman: every loaded model is busy; waiting for a free slot for ${model} (attempt ${attemptNumber}, ${Math.round((Date.now() - started) / 1000)} s)`,
          elapsedMs: Date.now() - started,
        };
        sink(status);
      },
    });
  } catch (error) {
    // Out of time while waiting (the signal ends the backoff): say what it waited for.
    if (busy !== undefined && (error instanceof BusyError || signal.aborted)) throw new Error(busyTimeout(model, busy));
    throw error;
  }
}
