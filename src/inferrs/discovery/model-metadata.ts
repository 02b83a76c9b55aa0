// What inferrs' model config tells about a model: its context window (the way inferrs computes
// it, inferrs-models/src/config.rs `effective_max_seq_len`), vision input, thinking and whether
// its chat template returns native tool_calls.
import type { InputKind } from "../../config/schema.ts";
import { FALLBACK_CONTEXT_WINDOW } from "../defaults.ts";

export type ModelMetadata = {
  contextWindow: number;
  input: InputKind[];
  reasoning: boolean;
  /** Only templates that return native tool_calls (Qwen3.5) get tools. */
  supportsTools: boolean;
};

type HfConfig = Record<string, unknown>;

/** Architecture as inferrs detects it: `model_type`, else the first `architectures` entry. */
export function architectureOf(config: HfConfig | undefined): string | undefined {
  const modelType = typeof config?.model_type === "string" ? config.model_type : undefined;
  const architectures = Array.isArray(config?.architectures) ? config.architectures : [];
  const first = typeof architectures[0] === "string" ? architectures[0] : undefined;
  const raw = modelType ?? first?.replace(/For(CausalLM|ConditionalGeneration)$/, "");
  return raw?.toLowerCase().replace(/[^a-z0-9]/g, "");
}

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
    case "gemma4text":
      return positiveInt(textConfig(config).max_position_embeddings) ?? 8192;
    case "gemma3":
    case "gemma3text":
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

function isQwen35(modelId: string, config: HfConfig | undefined): boolean {
  const arch = architectureOf(config);
  return arch === "qwen35" || arch === "qwen35moe" || /qwen3\.5/i.test(modelId);
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

export function describeModel(
  modelId: string,
  config: HfConfig | undefined,
  serveArgs: readonly string[] = [],
): ModelMetadata {
  const maxSeqLen = maxSeqLenFromArgs(serveArgs);
  const fromConfig = config ? (inferrsContextLimit(config) ?? trainedContextLimit(config)) : undefined;
  const contextWindow = maxSeqLen ?? fromConfig ?? FALLBACK_CONTEXT_WINDOW;
  const qwen35 = isQwen35(modelId, config);
  // Gemma 4 takes images through image_url parts when its config has a vision tower.
  const vision = architectureOf(config) === "gemma4" && config?.vision_config !== undefined;
  return {
    contextWindow,
    input: vision ? ["text", "image"] : ["text"],
    reasoning: qwen35,
    supportsTools: qwen35,
  };
}
