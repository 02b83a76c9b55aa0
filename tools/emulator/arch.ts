// What inferrs derives from a model's config.json (inferrs-models/src/config.rs): the
// architecture and the effective context length; and from tokenizer_config.json
// (inferrs/src/tokenizer.rs): the chat template, which decides native tool calls and thinking.

export type Arch = "Qwen2" | "Qwen3" | "Qwen35" | "Gemma2" | "Gemma3" | "Gemma4" | "Phi3";

export type ChatTemplate = "ChatML" | "Qwen35" | "Gemma" | "Gemma3" | "Gemma4" | "Phi";

export interface ModelInfo {
  arch: Arch;
  template: ChatTemplate;
  /** KV cache capacity in tokens; Infinity = unlimited (Qwen3.5). */
  maxSeqLen: number;
  /** Only the Qwen35 chat template renders `tools` natively (and returns tool_calls). */
  nativeTools: boolean;
  /** The Qwen35 template thinks when `reasoning_effort` is set. */
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

/** The fields of tokenizer.rs `TokenizerConfig`; undefined when serde would fail to read it. */
export interface TokenizerConfig {
  chatTemplate?: string;
  eosToken?: string;
  /** Token text → id, from `added_tokens_decoder`. */
  ids: Map<string, number>;
}

function tokenStr(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  const content = (v as { content?: unknown } | null)?.content;
  return typeof content === "string" ? content : undefined;
}

/** `TokenizerConfig::from_file`: chat_template must be a string or null (a list fails the parse). */
export function parseTokenizerConfig(text: string): TokenizerConfig | undefined {
  let v: Json;
  try {
    v = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const template = v.chat_template;
  if (template !== undefined && template !== null && typeof template !== "string") return undefined;
  const ids = new Map<string, number>();
  for (const [id, token] of Object.entries((v.added_tokens_decoder ?? {}) as Json)) {
    const content = tokenStr(token);
    if (content !== undefined && /^\d+$/.test(id)) ids.set(content, Number(id));
  }
  return { chatTemplate: template ?? undefined, eosToken: tokenStr(v.eos_token), ids };
}

/** `from_file_with_arch`: Gemma4 and Phi3 by architecture, else `detect_chat_template`. */
export function chatTemplateFor(arch: Arch, tokenizer: TokenizerConfig | undefined): ChatTemplate {
  if (arch === "Gemma4") return "Gemma4";
  if (arch === "Phi3") return "Phi";
  const t = tokenizer?.chatTemplate;
  if (t === undefined) return "ChatML";
  if (t.includes("im_start") || t.includes("im_end")) return t.includes("enable_thinking") ? "Qwen35" : "ChatML";
  if (t.includes("start_of_turn") || t.includes("end_of_turn")) return t.includes("<bos>") || t.includes("gemma3") ? "Gemma3" : "Gemma";
  return "ChatML";
}

/** The `Tokenizer loaded: ...` log line (ids looked up in added_tokens_decoder). */
export function tokenizerLogLine(template: ChatTemplate, tokenizer: TokenizerConfig | undefined): string {
  const eos = tokenizer?.eosToken;
  const eosId = eos !== undefined ? tokenizer!.ids.get(eos) : undefined;
  const stops = [eosId, ...["<|endoftext|>", "<|im_end|>", "<end_of_turn>", "<turn|>", "<|end|>"].map((t) => tokenizer?.ids.get(t))]
    .filter((id, i, all): id is number => id !== undefined && all.indexOf(id) === i);
  const some = (v: string | number | undefined) => (v === undefined ? "None" : `Some(${typeof v === "string" ? JSON.stringify(v) : v})`);
  return `Tokenizer loaded: template=${template}, eos=${some(eos)} (id=${some(eosId)}), stop_ids=[${stops.join(", ")}]`;
}

/**
 * Everything the emulator needs from config.json and tokenizer_config.json. `maxSeqLenArg` is
 * --max-seq-len (0 = unset); `contextKnob` is INFERRS_EMU_CONTEXT, which stands in for the
 * config's own value.
 */
export function modelInfo(config: Json, tokenizer: TokenizerConfig | undefined, maxSeqLenArg: number, contextKnob?: number): ModelInfo {
  const arch = detectArchitecture(config);
  const template = chatTemplateFor(arch, tokenizer);
  const fromConfig = contextKnob ?? effectiveMaxSeqLen(config, arch);
  return {
    arch,
    template,
    maxSeqLen: maxSeqLenArg > 0 ? maxSeqLenArg : fromConfig,
    nativeTools: template === "Qwen35",
    thinking: template === "Qwen35",
    imageTokenId: num(config.image_token_id),
    audioTokenId: num(config.audio_token_id),
  };
}
