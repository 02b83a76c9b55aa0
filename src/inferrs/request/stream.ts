// inferrs' side of the request path: a lease on the pool server that serves the model, the
// inferrs-local marker key, and inferrs' own words for engine errors and streams cut short.
import type { ResolvedConfig } from "../../config/resolve.ts";
import type { StreamFn, WrapStreamFn } from "../../host-types.ts";
import { createBackendStreamWrapper } from "../../request/wrap-stream.ts";
import type { ServedBy } from "../../request/relay-events.ts";
import { LOCAL_AUTH_MARKER, PROVIDER_ID } from "../defaults.ts";
import type { InferrsCompat } from "../discovery/model-entry.ts";
import type { Lease, Supervisor } from "../pool/supervisor.ts";
import type { LoadProgress } from "../server/load-progress.ts";
import { probeHealth } from "../server/probe.ts";

const GONE_PROBE_MS = 500;

export type RequestDeps = {
  supervisor: Supervisor;
  loadConfig: (hostConfig: unknown) => ResolvedConfig | Promise<ResolvedConfig>;
  defaultStreamFn: () => Promise<StreamFn>;
  /** Start progress for the run that waits (gateway: `inferrs.status` agent events). */
  emitStatus?: (runId: string, progress: LoadProgress) => void;
};

export function createStreamWrapper(deps: RequestDeps): WrapStreamFn {
  return createBackendStreamWrapper<ResolvedConfig>({
    providerId: PROVIDER_ID,
    pool: deps.supervisor,
    loadConfig: deps.loadConfig,
    defaultStreamFn: deps.defaultStreamFn,
    emitStatus: deps.emitStatus as ((runId: string, status: object) => void) | undefined,
    prepare: async (model, config, { onStatus }) => {
      const lease = await deps.supervisor.acquire(model.id, config, { onProgress: onStatus });
      return {
        // Each model has its own server in the pool: send the request there.
        baseUrl: lease.baseUrl,
        apiKey: config.apiKey || LOCAL_AUTH_MARKER,
        payload: { tools: (model.compat as InferrsCompat | undefined)?.supportsTools !== false },
        served: servedBy(lease),
        release: () => lease.release(),
      };
    },
  });
}

function servedBy(lease: Pick<Lease, "baseUrl" | "serverExit">): ServedBy {
  return {
    engineError: (detail) => `inferrs engine error (finish_reason: error): ${detail}`,
    // Our server died, or the connection closed mid-answer (whoever runs the server).
    cutShort: async (detail) => {
      const crash = await lease.serverExit();
      if (crash) return `${detail} — inferrs exited mid-stream (${crash}); the next request starts it again.`;
      const origin = new URL(lease.baseUrl).origin;
      const gone = (await probeHealth(origin, GONE_PROBE_MS)).kind === "down";
      return (
        `${detail} — the answer from inferrs at ${origin} was cut off: ` +
        (gone ? "the server exited mid-answer (it no longer answers)" : "the connection closed mid-answer") +
        ". The partial answer was dropped; retry the request."
      );
    },
  };
}
