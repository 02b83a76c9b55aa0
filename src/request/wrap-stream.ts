// The provider's request path (wrapStreamFn for agent and gateway runs,
// wrapSimpleCompletionStreamFn for `infer model run`): make sure inferrs serves the selected
// model, hold a lease for the whole stream, clean the payload, and turn inferrs' in-band
// failures into errors OpenClaw can fail over on.
import { printableLines } from "../cli/printable.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import type { InferrsCompat } from "../inferrs/discovery/model-entry.ts";
import { LOCAL_AUTH_MARKER, PROVIDER_ID } from "../inferrs/defaults.ts";
import type { AssistantMessage, StreamFn, StreamModel, WrapStreamFn } from "../host-types.ts";
import type { LoadProgress } from "../inferrs/server/load-progress.ts";
import type { Supervisor } from "../inferrs/pool/supervisor.ts";
import { EventChannel } from "./event-channel.ts";
import { relayEvents } from "./relay-events.ts";
import { sanitizePayload } from "./sanitize-payload.ts";

export type RequestDeps = {
  supervisor: Supervisor;
  /** The plugin config as of this request (reads the host config, so edits apply at once). */
  loadConfig: (hostConfig: unknown) => ResolvedConfig | Promise<ResolvedConfig>;
  /** The host's default transport, for when the host passes none. */
  defaultStreamFn: () => Promise<StreamFn>;
  /** Start progress for the run that waits (gateway: `inferrs.status` agent events). */
  emitStatus?: (runId: string, progress: LoadProgress) => void;
};

export function createStreamWrapper(deps: RequestDeps): WrapStreamFn {
  return (ctx) => {
    if (ctx.provider !== PROVIDER_ID) return undefined;
    const inner = ctx.streamFn;
    return (model, context, options) => {
      const out = new EventChannel();
      void pump(out, async () => {
        const config = await deps.loadConfig(ctx.config);
        // The host's run id is the request id up to its first ":".
        const runId = (options as { requestId?: string } | undefined)?.requestId?.split(":")[0];
        const onProgress = runId && deps.emitStatus ? (progress: LoadProgress) => deps.emitStatus!(runId, progress) : undefined;
        const lease = await deps.supervisor.acquire(model.id, config, { onProgress });
        try {
          const streamFn = inner ?? (await deps.defaultStreamFn());
          // Each model has its own server in the pool: send the request there.
          const source = await streamFn({ ...model, baseUrl: lease.baseUrl }, context, {
            ...options,
            apiKey: options?.apiKey || config.apiKey || LOCAL_AUTH_MARKER,
            onPayload: async (payload: unknown, requestModel: StreamModel) => {
              const patched = (await options?.onPayload?.(payload, requestModel)) ?? payload;
              return isRecord(patched)
                ? sanitizePayload(patched, { tools: (model.compat as InferrsCompat | undefined)?.supportsTools !== false })
                : patched;
            },
          });
          await relayEvents(source, out, lease);
        } finally {
          lease.release();
        }
      }, model);
      return out;
    };
  };
}

/** Runs the request, and ends the stream with an error event if it throws. */
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
    timestamp: Date.now(),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
