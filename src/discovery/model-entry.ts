// Turns a model id plus what we know about it into a full OpenClaw model entry.
import type { ModelOverride, InputKind } from "../config/schema.ts";
import { modelSettings } from "../config/model-settings.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { API, DEFAULT_MAX_TOKENS, INFERRS_COMPAT, PROVIDER_ID } from "../defaults.ts";
import { readCachedModelConfig } from "./hf-cache.ts";
import { describeModel } from "./model-metadata.ts";

export type InferrsCompat = typeof INFERRS_COMPAT & { supportsTools: boolean };

/** A model as it goes into `models.providers.inferrs.models[]`. */
export type ModelEntry = {
  id: string;
  name: string;
  api: typeof API;
  reasoning: boolean;
  input: InputKind[];
  cost: { input: 0; output: 0; cacheRead: 0; cacheWrite: 0 };
  contextWindow: number;
  maxTokens: number;
  compat: InferrsCompat;
};

/** The same model as a runtime model for `resolveDynamicModel`. */
export type RuntimeModelEntry = ModelEntry & { provider: typeof PROVIDER_ID; baseUrl: string };

export function buildModelEntry(
  id: string,
  hfConfig: Record<string, unknown> | undefined,
  override: ModelOverride | undefined,
  serveArgs: readonly string[],
): ModelEntry {
  const meta = describeModel(id, hfConfig, serveArgs);
  const contextWindow = override?.contextWindow ?? meta.contextWindow;
  return {
    id,
    name: override?.name ?? id,
    api: API,
    reasoning: override?.reasoning ?? meta.reasoning,
    input: override?.input ? [...override.input] : meta.input,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow,
    maxTokens: Math.min(override?.maxTokens ?? DEFAULT_MAX_TOKENS, contextWindow),
    compat: { ...INFERRS_COMPAT, supportsTools: override?.supportsTools ?? meta.supportsTools },
  };
}

/**
 * Entry for one model id from the HF cache and the config overrides (sync: cheap file reads).
 * `cachedIds`: the cache's listing, when the caller has it; ids not in it are not looked up.
 */
export function modelEntryFor(id: string, config: ResolvedConfig, hubDir: string, cachedIds?: ReadonlySet<string>): ModelEntry {
  const hfConfig = cachedIds && !cachedIds.has(id) ? undefined : readCachedModelConfig(hubDir, id);
  return buildModelEntry(id, hfConfig, config.models[id], modelSettings(config, id).args);
}

export function runtimeModelFor(id: string, config: ResolvedConfig, hubDir: string): RuntimeModelEntry {
  return { ...modelEntryFor(id, config, hubDir), provider: PROVIDER_ID, baseUrl: config.baseUrl };
}
