// Which models a daemon stores (and which it has loaded), as its last /v1/models said: a request
// for a model known to be stored asks nothing first, so a loaded model's first token waits for no
// extra round trip. Shared by every registration of the plugin in a process.
import type { ApiTarget } from "../api.ts";
import { listModels, type ListedModel } from "../discovery/daemon.ts";
import type { StatusSink } from "./progress.ts";
import { pullModel } from "./pull.ts";

const KEY = Symbol.for("openclaw-inferrs.llmman.stored");
const byOrigin: Map<string, Map<string, boolean>> = ((globalThis as Record<symbol, unknown>)[KEY] as Map<string, Map<string, boolean>>) ??= new Map();

export function rememberListing(origin: string, models: readonly ListedModel[]): void {
  byOrigin.set(origin, new Map(models.map((model) => [model.id, model.loaded])));
}

export function markStored(origin: string, ref: string, loaded: boolean): void {
  const models = byOrigin.get(origin) ?? new Map<string, boolean>();
  models.set(ref, loaded);
  byOrigin.set(origin, models);
}

/** true/false: stored (loaded or not, as last seen); undefined: not known to be stored. */
export function knownLoaded(origin: string, ref: string): boolean | undefined {
  return byOrigin.get(origin)?.get(ref);
}

/** Asks the daemon now; undefined when the model is not stored. */
export async function freshListing(target: ApiTarget, ref: string, signal?: AbortSignal): Promise<boolean | undefined> {
  const { models } = await listModels(target, signal);
  rememberListing(target.origin, models);
  return knownLoaded(target.origin, ref);
}

/**
 * Whether `ref` is loaded, pulling it first (with progress) when the daemon does not store it:
 * false right after a pull. Used by chat requests, onboarding and memory search alike.
 */
export async function ensureStored(target: ApiTarget, ref: string, signal: AbortSignal, sink: StatusSink): Promise<boolean> {
  const loaded = knownLoaded(target.origin, ref) ?? (await freshListing(target, ref, signal));
  if (loaded !== undefined) return loaded;
  await pullModel({ origin: target.origin, apiKey: target.apiKey ?? "llmman", signal }, ref, sink);
  markStored(target.origin, ref, false);
  return false;
}
