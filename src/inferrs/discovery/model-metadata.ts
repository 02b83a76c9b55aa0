// What inferrs' model config tells about a model: its context window (the way inferrs computes
// it, inferrs-models/src/config.rs `effective_max_seq_len`), vision input, and from its chat
// template (chat-template.ts) thinking and whether tools come back as native tool_calls.
import type { InputKind } from "../../config/schema.ts";
import { FALLBACK_CONTEXT_WINDOW } from "../defaults.ts";
import { chatTemplateOf, returnsNativeToolCalls } from "./chat-template.ts";
import type { TokenizerTemplate } from "./hf-cache.ts";

export type ModelMetadata = {
  contextWindow: number;
  input: InputKind[];
  reasoning: boolean;
  /** Only the template that returns native tool_calls (inferrs' Qwen35 one) gets tools. */
  supportsTools: boolean;
};

type HfConfig = Record<string, unknown>;

/**
 * Architecture as inferrs detects it (inferrs-models/src/config.rs `detect_architecture`): the
 * first `architectures` entry naming a known family (by substring), else `model_type`. Lower case:
 * qwen35, qwen3, qwen2, gemma4, gemma3, gemma2, phi3; undefined when inferrs cannot load it.
 */
export function architectureOf(config: HfConfig | undefined): string | undefined {
  const architectures = Array.isArray(config?.architectures) ? config.architectures : [];
  for (const entry of architectures) {
    if (typeof entry !== "string") continue;
    const family = ARCHITECTURE_SUBSTRINGS.find(([needle]) => entry.includes(needle));
    if (family) return family[1];
  }
  const modelType = config?.model_type;
  return typeof modelType === "string" && Object.hasOwn(MODEL_TYPES, modelType) ? MODEL_TYPES[modelType] : undefined;
}

const ARCHITECTURE_SUBSTRINGS: ReadonlyArray<readonly [string, string]> = [
  ["Qwen3_5", "qwen35"],
  ["Qwen3", "qwen3"],
  ["Qwen2", "qwen2"],
  ["Gemma4", "gemma4"],
  ["Gemma3", "gemma3"],
  ["Gemma2", "gemma2"],
  ["Phi3", "phi3"],
];

const MODEL_TYPES: Record<string, string> = {
  qwen2: "qwen2",
  qwen2_5: "qwen2",
  qwen3: "qwen3",
  qwen3_5: "qwen35",
  qwen3_5_moe: "qwen35",
  gemma4: "gemma4",
  gemma3: "gemma3",
  gemma2: "gemma2",
  phi3: "phi3",
};

function positiveInt(value: unknown): number | undefined {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : undefined;
}

function textConfig(config: HfConfig): HfConfig {
  const nested = config.text_config;
  return nested && typeof nested === "object" ? (nested as HfConfig) : {};
}

/**
 * The context window inferrs enforces for this config, or undefined when it has no limit
 * (Qwen3.5) or the architecture is unknown.
 */
export function inferrsContextLimit(config: HfConfig): number | undefined {
  switch (architectureOf(config)) {
    case "gemma4":
      return positiveInt(textConfig(config).max_position_embeddings) ?? 8192;
    case "gemma3":
      // inferrs caps Gemma 3 at its sliding window, not at max_position_embeddings.
      return positiveInt(config.sliding_window) ?? positiveInt(textConfig(config).sliding_window) ?? 512;
    case "gemma2":
      return positiveInt(config.max_position_embeddings) ?? 8192;
    case "qwen2":
      return positiveInt(config.max_position_embeddings) ?? 131072;
    case "qwen3":
      return positiveInt(config.max_position_embeddings) ?? 40960;
    case "phi3":
      return positiveInt(config.max_position_embeddings) ?? 4096;
    default:
      return undefined;
  }
}

/** The model's own trained limit, for architectures where inferrs enforces none. */
function trainedContextLimit(config: HfConfig): number | undefined {
  return positiveInt(config.max_position_embeddings) ?? positiveInt(textConfig(config).max_position_embeddings);
}

/** Without a cached snapshot nothing tells the template: Qwen3.5 by architecture or id, as before. */
function isQwen35(modelId: string, config: HfConfig | undefined): boolean {
  return architectureOf(config) === "qwen35" || /qwen3\.5/i.test(modelId);
}

/** `--max-seq-len N` (or `--max-seq-len=N`) among the serve args; 0 means "model default". */
export function maxSeqLenFromArgs(args: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const match = /^--max-seq-len(?:=(\d+))?$/.exec(args[i]!);
    if (!match) continue;
    const value = Number(match[1] ?? args[i + 1]);
    found = Number.isInteger(value) && value > 0 ? value : undefined;
  }
  return found;
}

/**
 * `tokenizer`: what the cached snapshot's tokenizer_config.json says (hf-cache.ts
 * `readTokenizerTemplate`); by default nothing is known.
 */
export function describeModel(
  modelId: string,
  config: HfConfig | undefined,
  serveArgs: readonly string[] = [],
  tokenizer: TokenizerTemplate = { snapshot: false },
): ModelMetadata {
  const maxSeqLen = maxSeqLenFromArgs(serveArgs);
  const fromConfig = config ? (inferrsContextLimit(config) ?? trainedContextLimit(config)) : undefined;
  const contextWindow = maxSeqLen ?? fromConfig ?? FALLBACK_CONTEXT_WINDOW;
  const template = chatTemplateOf(architectureOf(config), tokenizer);
  const native = template ? returnsNativeToolCalls(template) : isQwen35(modelId, config);
  // Gemma 4 takes images through image_url parts when its config has a vision tower.
  const vision = template === "Gemma4" && config?.vision_config !== undefined;
  return {
    contextWindow,
    input: vision ? ["text", "image"] : ["text"],
    reasoning: native,
    supportsTools: native,
  };
}
