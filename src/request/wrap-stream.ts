// The provider request path, shared by both backends (wrapStreamFn for agent and gateway runs,
// wrapSimpleCompletionStreamFn for `infer model run`): the backend makes its server ready and
// holds it for the whole stream; here the payload is cleaned, a refusal the backend retries is sent
// again, and the backend's in-band failures become errors OpenClaw can fail over on.
import type { AssistantMessage, StreamEvent, StreamFn, StreamModel, WrapStreamFn } from "../host-types.ts";
import { printableLines } from "../cli/printable.ts";
import { EventChannel } from "./event-channel.ts";
import { answerTrack, failureFields } from "./host-retry.ts";
import { relayEvents, StreamCutError, type ServedBy } from "./relay-events.ts";
import { sanitizePayload, type PayloadRules } from "./sanitize-payload.ts";

/** Where one request goes, held until its stream ends. */
export type PreparedRequest = {
  baseUrl: string;
  /** The bearer when the host has none (the backend's no-key marker, or the configured key). */
  apiKey: string;
  payload: PayloadRules;
  served: ServedBy;
  release(): void;
  /** The request is being sent; returns what to call when its first event arrives. */
  sending?(): () => void;
  /** Sends the request (`attempt`), again when the backend retries what its first event says. */
  send?(attempt: () => Promise<Attempt>): Promise<Attempt>;
};

/** One sending of the request: its first event (undefined when the stream ended at once) and the rest. */
export type Attempt = { first: StreamEvent | undefined; rest: AsyncIterator<StreamEvent> };

export type RequestBackend<Config> = {
  providerId: string;
  /** The process-wide owner of the backend's servers (shared by registrations): failed answers are counted per pool and model. */
  pool: object;
  /** The plugin config as of this request (reads the host config, so edits apply at once). */
  loadConfig: (hostConfig: unknown) => Config | Promise<Config>;
  prepare(model: StreamModel, config: Config, options: { onStatus?: (status: object) => void; signal?: AbortSignal }): Promise<PreparedRequest>;
  /** The host's default transport, for when the host passes none. */
  defaultStreamFn: () => Promise<StreamFn>;
  /** Progress for the run that waits (gateway: `inferrs.status` agent events). */
  emitStatus?: (runId: string, status: object) => void;
};

export function createBackendStreamWrapper<Config>(backend: RequestBackend<Config>): WrapStreamFn {
  return (ctx) => {
    if (ctx.provider !== backend.providerId) return undefined;
    const inner = ctx.streamFn;
    return (model, context, options) => {
      const out = new EventChannel();
      void pump(out, async () => {
        const config = await backend.loadConfig(ctx.config);
        // The host's run id is the request id up to its first ":".
        const runId = (options as { requestId?: string } | undefined)?.requestId?.split(":")[0];
        const emit = backend.emitStatus;
        const onStatus = runId && emit ? (status: object) => emit(runId, status) : undefined;
        const prepared = await backend.prepare(model, config, { onStatus, signal: options?.signal });
        try {
          const streamFn = inner ?? (await backend.defaultStreamFn());
          const attempt = async (): Promise<Attempt> => {
            const arrived = prepared.sending?.();
            const source = await streamFn({ ...model, baseUrl: prepared.baseUrl }, context, {
              ...options,
              apiKey: options?.apiKey || prepared.apiKey,
              onPayload: async (payload: unknown, requestModel: StreamModel) => {
                const patched = (await options?.onPayload?.(payload, requestModel)) ?? payload;
                return isRecord(patched) ? sanitizePayload(patched, prepared.payload) : patched;
              },
            });
            const rest = source[Symbol.asyncIterator]();
            const first = await rest.next();
            arrived?.();
            return { first: first.done ? undefined : first.value, rest };
          };
          const { first, rest } = prepared.send ? await prepared.send(attempt) : await attempt();
          await relayEvents(replay(first, rest), out, prepared.served, answerTrack(backend.pool, model.id));
        } finally {
          prepared.release();
        }
      }, model);
      return out;
    };
  };
}

async function* replay(first: StreamEvent | undefined, rest: AsyncIterator<StreamEvent>): AsyncGenerator<StreamEvent> {
  if (!first) return;
  yield first;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Runs the request, and ends the stream with an error event if it throws. A failure before the
 * answer (config, start, load, a server that is not ours) is not retried by the host: it would only
 * repeat it (a failed load would load the model again up to 8 times), and a gateway client would
 * wait past its 120 s bound for the verdict.
 */
async function pump(out: EventChannel, run: () => Promise<void>, model: StreamModel): Promise<void> {
  try {
    await run();
  } catch (error) {
    out.push({ type: "error", reason: "error", error: errorMessage(model, error) });
  } finally {
    out.end();
  }
}

function errorMessage(model: StreamModel, error: unknown): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason: "error",
    errorMessage: printableLines(error instanceof Error ? error.message : String(error)),
    ...failureFields(error instanceof StreamCutError && error.retry),
    timestamp: Date.now(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
