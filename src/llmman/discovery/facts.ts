// What discovery and model resolution learned about each model, per daemon, for the host's
// synchronous resolveDynamicModel (the async prepareDynamicModel and discovery fill it in). Shared
// by every registration of the plugin in a process.
import type { ResolvedLlmmanConfig } from "../config.ts";
import { LlmmanApiError, type ApiTarget } from "../api.ts";
import { parseModelRef, storedRefOf } from "../model-id.ts";
import { userRunsDaemon } from "./ceiling.ts";
import { runningContexts, showModel } from "./daemon.ts";
import type { ModelFacts } from "./model-entry.ts";
import { listStoredModels, storeDir } from "./store.ts";

const KEY = Symbol.for("openclaw-inferrs.llmman.facts");
const known: Map<string, ModelFacts> = ((globalThis as Record<symbol, unknown>)[KEY] as Map<string, ModelFacts>) ??= new Map();

const keyOf = (origin: string, ref: string) => `${origin} ${ref}`;

export function rememberFacts(origin: string, ref: string, facts: ModelFacts): void {
  known.set(keyOf(origin, ref), facts);
}

/** The facts last learned for the model `id` names (its local half for a hybrid ref). */
export function knownFacts(config: Pick<ResolvedLlmmanConfig, "origin">, id: string): ModelFacts | undefined {
  const ref = storedRefOf(parseModelRef(id));
  return ref === undefined ? undefined : known.get(keyOf(config.origin, ref));
}

export function apiTarget(config: ResolvedLlmmanConfig, env: NodeJS.ProcessEnv): ApiTarget {
  return { origin: config.origin, apiKey: bearerFor(config, env), timeoutMs: config.discoveryTimeoutMs };
}

/** llmman's placeholder unless a key is configured (§11). */
export function bearerFor(config: Pick<ResolvedLlmmanConfig, "apiKey">, env: NodeJS.ProcessEnv): string {
  return config.apiKey || env.LLMMAN_API_KEY || "llmman";
}

/**
 * Looks one model up now (never loading it): /api/show and /api/ps when the daemon answers, else
 * its store. Provider refs have nothing to look up.
 */
export async function lookUpFacts(config: ResolvedLlmmanConfig, env: NodeJS.ProcessEnv, id: string, signal?: AbortSignal): Promise<ModelFacts | undefined> {
  const ref = storedRefOf(parseModelRef(id));
  if (ref === undefined) return undefined;
  const target = apiTarget(config, env);
  try {
    const [shown, running, userDaemon] = await Promise.all([
      showModel(target, ref, signal).catch(notFound),
      runningContexts(target, signal),
      userRunsDaemon(config, env),
    ]);
    const facts: ModelFacts = {
      vision: shown?.capabilities?.includes("vision"),
      thinking: shown?.thinking,
      trainedContext: shown?.trainedContext,
      liveContext: running.get(ref) ?? undefined,
      userDaemon,
    };
    rememberFacts(config.origin, ref, facts);
    return facts;
  } catch (error) {
    if (!(error instanceof LlmmanApiError)) throw error;
    const stored = listStoredModels(storeDir(config, env)).find((model) => model.id === ref && !model.embedding);
    // Down: the daemon the plugin starts for it gets the plugin's LLMMAN_CONTEXT_LENGTH.
    const earlier = known.get(keyOf(config.origin, ref));
    return stored ? { ...earlier, vision: stored.vision, trainedContext: stored.trainedContext ?? earlier?.trainedContext, liveContext: undefined, userDaemon: false } : earlier;
  }
}

/** A model llmman does not have (yet) is not an error here: it is pulled on first use. */
function notFound(error: unknown): undefined {
  if (error instanceof LlmmanApiError && error.kind === "http") return undefined;
  throw error;
}
