// Turns a model id plus what we know about it into a full OpenClaw model entry.
import type { ModelOverride, InputKind } from "../../config/schema.ts";
import { modelSettings } from "../../config/model-settings.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { ANSWER_TIMEOUT_MS, API, DEFAULT_MAX_TOKENS, INFERRS_COMPAT, PROVIDER_ID } from "../defaults.ts";
import { readCachedModelConfig, readTokenizerTemplate, type TokenizerTemplate } from "./hf-cache.ts";
import { describeModel } from "./model-metadata.ts";

export type InferrsCompat = typeof INFERRS_COMPAT & {
  supportsTools: boolean;
  /** Reasoning models take OpenClaw's thinking levels as `reasoning_effort`. */
  supportsReasoningEffort: boolean;
};

/** What a model is, independent of the plugin's service settings. */
export type ModelFacts = {
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

/** A model as it goes into `models.providers.inferrs.models[]`. */
export type ModelEntry = ModelFacts & {
  /** The host's first-event/idle timeout for this model: a start plus an answer. */
  requestTimeoutMs: number;
};

/** The same model as a runtime model for `resolveDynamicModel`. */
export type RuntimeModelEntry = ModelEntry & { provider: typeof PROVIDER_ID; baseUrl: string };

export function buildModelEntry(
  id: string,
  hfConfig: Record<string, unknown> | undefined,
  override: ModelOverride | undefined,
  serveArgs: readonly string[],
  tokenizer?: TokenizerTemplate,
): ModelFacts {
  const meta = describeModel(id, hfConfig, serveArgs, tokenizer);
  const contextWindow = override?.contextWindow ?? meta.contextWindow;
  const reasoning = override?.reasoning ?? meta.reasoning;
  return {
    id,
    name: override?.name ?? id,
    api: API,
    reasoning,
    input: override?.input ? [...override.input] : meta.input,
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow,
    maxTokens: Math.min(override?.maxTokens ?? DEFAULT_MAX_TOKENS, contextWindow),
    compat: {
      ...INFERRS_COMPAT,
      supportsTools: override?.supportsTools ?? meta.supportsTools,
      supportsReasoningEffort: reasoning,
    },
  };
}

/**
 * Entry for one model id from the HF cache and the config overrides (sync: cheap file reads).
 * `cachedIds`: the cache's listing, when the caller has it; ids not in it are not looked up.
 */
export function modelEntryFor(id: string, config: ResolvedConfig, hubDir: string, cachedIds?: ReadonlySet<string>): ModelEntry {
  const cached = !cachedIds || cachedIds.has(id);
  const hfConfig = cached ? readCachedModelConfig(hubDir, id) : undefined;
  const tokenizer = cached ? readTokenizerTemplate(hubDir, id) : undefined;
  return {
    ...buildModelEntry(id, hfConfig, config.models[id], modelSettings(config, id).args, tokenizer),
    // The host gives local models 300 s to the first event; a first `inferrs serve` may download
    // and quantize for longer, and the request waits for it (service.readyTimeoutMs).
    requestTimeoutMs: config.service.readyTimeoutMs + ANSWER_TIMEOUT_MS,
  };
}

export function runtimeModelFor(id: string, config: ResolvedConfig, hubDir: string): RuntimeModelEntry {
  return { ...modelEntryFor(id, config, hubDir), provider: PROVIDER_ID, baseUrl: config.baseUrl };
}
