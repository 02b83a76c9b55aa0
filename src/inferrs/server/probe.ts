// What an inferrs server at the configured address is doing right now. `/health` is the only
// real readiness signal (§3); `/v1/models` tells which model is served once it is ready (§4).
import type { ResolvedConfig } from "../../config/resolve.ts";
import { networkReason } from "../../http.ts";
import { fetchServerModels } from "../discovery/server-models.ts";

export type Health =
  | { kind: "down"; reason: string }
  | { kind: "loading" }
  | { kind: "failed" }
  | { kind: "ok" }
  /** Something that is not inferrs answers on that port. */
  | { kind: "foreign-http"; status: number };

export type ServerState = Exclude<Health, { kind: "ok" }> | { kind: "ready"; served: string | undefined };

const PROBE_TIMEOUT_MS = 1000;

export async function probeHealth(origin: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Health> {
  // Loaded on first use, not at plugin import.
  const { request } = await import("../../undici-request.ts");
  try {
    const response = await request(`${origin}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await response.body.dump();
    switch (response.statusCode) {
      case 200:
        return { kind: "ok" };
      case 503:
        return { kind: "loading" };
      case 500:
        return { kind: "failed" };
      default:
        return { kind: "foreign-http", status: response.statusCode };
    }
  } catch (error) {
    return { kind: "down", reason: networkReason(error) };
  }
}

export async function probeServer(config: ResolvedConfig): Promise<ServerState> {
  const health = await probeHealth(config.origin);
  if (health.kind !== "ok") return health;
  try {
    const listed = await fetchServerModels({
      baseUrl: config.baseUrl,
      apiKey: config.apiKey,
      timeoutMs: PROBE_TIMEOUT_MS,
    });
    // Releases before 2026-04-11 list only the served model, without the "(loaded)" marker.
    const served = listed.loaded ?? (listed.ids.length === 1 ? listed.ids[0] : undefined);
    return { kind: "ready", served };
  } catch {
    return { kind: "ready", served: undefined };
  }
}

/** inferrs matches names exactly or without the `org/` prefix (server.rs `model_matches_id`). */
export function sameModel(a: string, b: string): boolean {
  const bare = (id: string) => id.slice(id.indexOf("/") + 1);
  return a === b || bare(a) === b || a === bare(b);
}
