// GET {baseUrl}/models from a running inferrs, with a hard timeout and a defensive parser:
// bad entries are dropped with a warning, never a crash or a hang. undici is loaded on the first
// request, not at plugin import.
import { isListableModelId, skippedIds } from "../model-id.ts";
import { MAX_LISTED_MODELS, MAX_MODELS_BODY_BYTES } from "../defaults.ts";
import { bearerHeaders, networkReason, readCapped } from "../../http.ts";

export type ServerModels = {
  ids: string[];
  /** The model marked `owned_by: "inferrs (loaded)"`, once it is ready. */
  loaded: string | undefined;
  warnings: string[];
};

export type DiscoveryFailure = "unreachable" | "timeout" | "http" | "malformed";

export class DiscoveryError extends Error {
  override name = "InferrsDiscoveryError";
  readonly kind: DiscoveryFailure;
  constructor(kind: DiscoveryFailure, message: string) {
    super(message);
    this.kind = kind;
  }
}

export async function fetchServerModels(
  target: { baseUrl: string; apiKey: string | undefined; timeoutMs: number },
  signal?: AbortSignal,
): Promise<ServerModels> {
  const url = `${target.baseUrl}/models`;
  // The bound is the server's: loading undici (seconds on a loaded machine) is not counted.
  const { request } = await import("../../undici-request.ts");
  const timeout = AbortSignal.timeout(target.timeoutMs);
  let body: string;
  try {
    const response = await request(url, {
      headers: bearerHeaders(target.apiKey),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new DiscoveryError("http", `GET ${url} answered HTTP ${response.statusCode}, which inferrs never does: check that baseUrl points at inferrs and ends in /v1`);
    }
    body = await readCapped(
      response.body,
      MAX_MODELS_BODY_BYTES,
      () => new DiscoveryError("malformed", `GET ${url} returned more than ${MAX_MODELS_BODY_BYTES} bytes`),
    );
  } catch (error) {
    if (error instanceof DiscoveryError) throw error;
    if (timeout.aborted) {
      throw new DiscoveryError("timeout", `GET ${url} did not answer within ${target.timeoutMs} ms`);
    }
    throw new DiscoveryError("unreachable", `cannot reach inferrs at ${url} (${networkReason(error)})`);
  }
  return parseModelList(body, url);
}

/** Parses an OpenAI `{"object":"list","data":[...]}` body; keeps every valid, unique id. */
export function parseModelList(text: string, url: string): ServerModels {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DiscoveryError("malformed", `GET ${url} returned invalid JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  const data = (parsed as { data?: unknown })?.data;
  if (!Array.isArray(data)) {
    throw new DiscoveryError("malformed", `GET ${url} returned JSON without a "data" list`);
  }
  const warnings: string[] = [];
  const ids: string[] = [];
  const seen = new Set<string>();
  let invalid = 0;
  let duplicate = 0;
  let unlistable = 0;
  let loaded: string | undefined;
  for (const entry of data) {
    const id = typeof entry?.id === "string" ? entry.id.trim() : "";
    if (!id) {
      invalid++;
      continue;
    }
    if (seen.has(id)) {
      duplicate++;
      continue;
    }
    seen.add(id);
    // Never offered, never shown: a flag, a path, or terminal escapes (onboarding prints the served id).
    if (!isListableModelId(id)) {
      unlistable++;
      continue;
    }
    ids.push(id);
    if (entry.owned_by === "inferrs (loaded)") loaded = id;
  }
  if (invalid) warnings.push(`GET ${url}: skipped ${invalid} entries without a valid "id"`);
  if (duplicate) warnings.push(`GET ${url}: skipped ${duplicate} duplicate ids`);
  if (unlistable) warnings.push(`GET ${url}: ${skippedIds(unlistable)}`);
  if (ids.length > MAX_LISTED_MODELS) {
    warnings.push(`GET ${url} listed ${ids.length} models; keeping the first ${MAX_LISTED_MODELS}`);
    ids.length = MAX_LISTED_MODELS;
  }
  return { ids, loaded, warnings };
}
