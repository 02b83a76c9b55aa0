// What inferrs derives from a model's config.json (inferrs-models/src/config.rs):
// the architecture and the effective context length.

export type Arch = "Qwen2" | "Qwen3" | "Qwen35" | "Gemma2" | "Gemma3" | "Gemma4" | "Phi3";

export interface ModelInfo {
  arch: Arch;
  /** KV cache capacity in tokens; Infinity = unlimited (Qwen3.5). */
  maxSeqLen: number;
  /** Only the Qwen3.5 chat template renders `tools` natively (and returns tool_calls). */
  nativeTools: boolean;
  /** Qwen3.5 can think when `reasoning_effort` is set. */
  thinking: boolean;
  imageTokenId?: number;
  audioTokenId?: number;
}

type Json = Record<string, unknown>;

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/** Rust Debug of an Option<Vec<String>> / Option<String>, for the error message. */
function debugOpt(v: unknown): string {
  if (v === undefined || v === null) return "None";
  return `Some(${JSON.stringify(v).replaceAll(",", ", ")})`;
}

/** config.rs `detect_architecture`: `architectures` first (substring match), then `model_type`. */
export function detectArchitecture(config: Json): Arch {
  const archs = Array.isArray(config.architectures) ? (config.architectures as unknown[]) : [];
  for (const a of archs) {
    if (typeof a !== "string") continue;
    if (a.includes("Qwen3_5")) return "Qwen35";
    if (a.includes("Qwen3")) return "Qwen3";
    if (a.includes("Qwen2")) return "Qwen2";
    if (a.includes("Gemma4")) return "Gemma4";
    if (a.includes("Gemma3")) return "Gemma3";
    if (a.includes("Gemma2")) return "Gemma2";
    if (a.includes("Phi3")) return "Phi3";
  }
  const byType: Record<string, Arch> = {
    qwen2: "Qwen2", qwen2_5: "Qwen2", qwen3: "Qwen3", qwen3_5: "Qwen35", qwen3_5_moe: "Qwen35",
    gemma4: "Gemma4", gemma3: "Gemma3", gemma2: "Gemma2", phi3: "Phi3",
  };
  const t = typeof config.model_type === "string" ? byType[config.model_type] : undefined;
  if (t) return t;
  throw new Error(`Unsupported model architecture. architectures=${debugOpt(config.architectures)}, model_type=${debugOpt(config.model_type)}`);
}

/** config.rs `effective_max_seq_len`. */
export function effectiveMaxSeqLen(config: Json, arch: Arch): number {
  const text = (config.text_config ?? {}) as Json;
  switch (arch) {
    case "Gemma3": return num(config.sliding_window) ?? 512; // candle sizes every KV cache to the window
    case "Gemma2": return num(config.max_position_embeddings) ?? 8192;
    case "Qwen2": return num(config.max_position_embeddings) ?? 131072;
    case "Qwen3": return num(config.max_position_embeddings) ?? 40960;
    case "Qwen35": return Infinity;
    case "Gemma4": return num(text.max_position_embeddings) ?? 8192;
    case "Phi3": return num(config.max_position_embeddings) ?? 4096;
  }
}

/**
 * Everything the emulator needs from config.json. `maxSeqLenArg` is --max-seq-len (0 = unset);
 * `contextKnob` is INFERRS_EMU_CONTEXT, which stands in for the config's own value.
 */
export function modelInfo(config: Json, maxSeqLenArg: number, contextKnob?: number): ModelInfo {
  const arch = detectArchitecture(config);
  const fromConfig = contextKnob ?? effectiveMaxSeqLen(config, arch);
  return {
    arch,
    maxSeqLen: maxSeqLenArg > 0 ? maxSeqLenArg : fromConfig,
    nativeTools: arch === "Qwen35",
    thinking: arch === "Qwen35",
    imageTokenId: num(config.image_token_id),
    audioTokenId: num(config.audio_token_id),
  };
}
