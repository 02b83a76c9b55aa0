// POST /api/show for many models, asked only when needed: what it says comes from the stored
// model's blobs (GGUF header, layers), so it is kept per daemon, model and manifest digest
// (GET /api/tags, one request for all) and asked again only for a model pulled anew. A daemon
// whose /api/tags gives no digest is asked every time. Shared by every registration in a process.
import { LlmmanApiError, llmmanJson, type ApiTarget } from "../api.ts";
import { MAX_LIST_BODY_BYTES, MAX_LISTED_MODELS, SHOW_CONCURRENCY } from "../defaults.ts";
import { showModel, type ShownModel } from "./daemon.ts";

const KEY = Symbol.for("openclaw-inferrs.llmman.shown");
type Entry = { digest: string; shown: ShownModel };
const cache: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[KEY] as Map<string, Entry>) ??= new Map();

/** GET /api/tags: stored model → manifest digest; empty when the daemon does not say. */
export async function storedDigests(target: ApiTarget, signal?: AbortSignal): Promise<Map<string, string>> {
  let json: unknown;
  try {
    json = await llmmanJson(target, "/api/tags", { maxBytes: MAX_LIST_BODY_BYTES, signal });
  } catch (error) {
    if (error instanceof LlmmanApiError && error.kind !== "unreachable") return new Map();
    throw error;
  }
  const models = (json as { models?: unknown })?.models;
  const out = new Map<string, string>();
  for (const entry of Array.isArray(models) ? models.slice(0, MAX_LISTED_MODELS) : []) {
    const { name, digest } = (entry ?? {}) as { name?: unknown; digest?: unknown };
    if (typeof name === "string" && typeof digest === "string" && /^sha256:[0-9a-f]{64}$/.test(digest)) out.set(name, digest);
  }
  return out;
}

/** What /api/show says of each id (undefined where it failed), in order, SHOW_CONCURRENCY at a time. */
export async function shownModels(target: ApiTarget, ids: readonly string[], digests: Map<string, string>, signal?: AbortSignal): Promise<Array<ShownModel | undefined>> {
  return mapLimit(ids, SHOW_CONCURRENCY, async (id) => {
    const key = `${target.origin} ${id}`;
    const digest = digests.get(id);
    const kept = cache.get(key);
    if (digest !== undefined && kept?.digest === digest) return kept.shown;
    const shown = await showModel(target, id, signal).catch(() => undefined);
    if (shown && digest !== undefined && cache.size < MAX_LISTED_MODELS) cache.set(key, { digest, shown });
    return shown;
  });
}

async function mapLimit<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
