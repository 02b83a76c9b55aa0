// A llmman model id plus what the daemon (or its store) says about it → a full OpenClaw model entry.
import type { InputKind } from "../../config/schema.ts";
import type { LlmmanModelOverride } from "../../config/schema.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { parseModelRef } from "../model-id.ts";
import {
  LLMMAN_COMPAT,
  LLMMAN_DEFAULT_CONTEXT,
  LLMMAN_DEFAULT_MAX_TOKENS,
  LLMMAN_FALLBACK_CONTEXT,
  LLMMAN_PROVIDER_ID,
} from "../defaults.ts";

/** What is known about a model; every field is optional (485d055 tells nothing but the id). */
export type ModelFacts = {
  vision?: boolean;
  thinking?: boolean;
  /** `<arch>.context_length` of its GGUF header. */
  trainedContext?: number;
  /** `/api/ps` `context_length` while it is loaded. */
  liveContext?: number;
  /** Told by a daemon the user runs: the plugin's LLMMAN_CONTEXT_LENGTH does not reach it. */
  userDaemon?: boolean;
};

export type LlmmanCompat = typeof LLMMAN_COMPAT & { supportsTools: boolean; thinkingFormat?: "qwen-chat-template" };

export type LlmmanModelEntry = {
  id: string;
  name: string;
  api: "openai-completions";
  reasoning: boolean;
  input: InputKind[];
  cost: { input: 0; output: 0; cacheRead: 0; cacheWrite: 0 };
  contextWindow: number;
  maxTokens: number;
  compat: LlmmanCompat;
  /** The host's first-event timeout: daemon start, pull, load and answer. */
  requestTimeoutMs: number;
};

export type LlmmanRuntimeModel = LlmmanModelEntry & { provider: typeof LLMMAN_PROVIDER_ID; baseUrl: string };

/**
 * The context llmman will really give the model: the live one while loaded; else the trained one
 * capped by the daemon's ceiling; else the ceiling when set, else LLMMAN_FALLBACK_CONTEXT. The
 * ceiling is the plugin's LLMMAN_CONTEXT_LENGTH / --ctx-size for a daemon it starts (or will
 * start), llmman's 262144 for one the user runs (its env is not the plugin's to know).
 */
export function contextWindowOf(facts: ModelFacts | undefined, config: Pick<ResolvedLlmmanConfig, "contextLength">): number {
  if (facts?.liveContext) return facts.liveContext;
  const ceiling = facts?.userDaemon ? undefined : config.contextLength;
  if (facts?.trainedContext) return Math.min(facts.trainedContext, ceiling ?? LLMMAN_DEFAULT_CONTEXT);
  return ceiling ?? LLMMAN_FALLBACK_CONTEXT;
}

/** The override for a model id in any spelling (short or fully qualified). */
export function modelOverride(config: Pick<ResolvedLlmmanConfig, "models">, id: string): LlmmanModelOverride | undefined {
  const parsed = parseModelRef(id);
  return config.models[parsed.kind === "local" ? parsed.ref : id];
}

export function llmmanModelEntry(id: string, facts: ModelFacts | undefined, config: ResolvedLlmmanConfig): LlmmanModelEntry {
  const override = modelOverride(config, id);
  const contextWindow = override?.contextWindow ?? contextWindowOf(facts, config);
  const reasoning = override?.reasoning ?? facts?.thinking === true;
  return {
    id,
    name: override?.name ?? id,
    api: "openai-completions",
    reasoning,
    input: override?.input ? [...override.input] : facts?.vision ? ["text", "image"] : ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow,
    maxTokens: Math.min(override?.maxTokens ?? LLMMAN_DEFAULT_MAX_TOKENS, contextWindow),
    compat: {
      ...LLMMAN_COMPAT,
      supportsTools: override?.supportsTools ?? true,
      // `--thinking off` then sends chat_template_kwargs.enable_thinking: false.
      ...(reasoning ? { thinkingFormat: "qwen-chat-template" as const } : {}),
    },
    requestTimeoutMs: config.requestTimeoutMs,
  };
}

export function llmmanRuntimeModel(id: string, facts: ModelFacts | undefined, config: ResolvedLlmmanConfig): LlmmanRuntimeModel {
  return { ...llmmanModelEntry(id, facts, config), provider: LLMMAN_PROVIDER_ID, baseUrl: config.baseUrl };
}
