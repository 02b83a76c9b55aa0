// The models the emulator knows: what a seeded store holds, what the emulated registry can pull
// (LLMMAN_EMU_REGISTRY adds to it), and the GGUF header each model's blob carries.
import { readFileSync } from "node:fs";
import type { GgufMetadata } from "./gguf.ts";

export interface ModelSpec {
  /** Fully qualified, tagged ref (the `org.opencontainers.image.ref.name` annotation). */
  ref: string;
  /** `general.architecture`. */
  arch: string;
  /** Trained context, `<arch>.context_length`. */
  contextLength: number;
  /** Bytes of the GGUF layer (the emulator's blob holds only the header; this is the declared size). */
  size: number;
  /** Bytes of a companion mmproj layer: the model is vision-capable. */
  mmprojSize?: number;
  /** The chat template thinks (`<think>`) and renders `tools`. */
  thinking?: boolean;
  tools?: boolean;
  /** Embedding model: `<arch>.pooling_type` set, no chat. */
  embedding?: boolean;
  quantization?: string;
  parameterSize?: string;
  embeddingLength?: number;
  /** Layer file name (HF refs: the quantized .gguf picked for the tag). */
  file?: string;
  /** Extra GGUF keys. */
  metadata?: GgufMetadata;
}

export const QWEN35_08B: ModelSpec = {
  ref: "docker.io/ai/qwen3.5:0.8b", arch: "qwen35", contextLength: 262144, size: 532517120, thinking: true, tools: true,
  quantization: "Q4_K_M", parameterSize: "752.39M", embeddingLength: 1024,
};
export const GEMMA4_E2B: ModelSpec = {
  ref: "docker.io/ai/gemma4:e2b", arch: "gemma4", contextLength: 131072, size: 3106731136, mmprojSize: 986689536, tools: true,
  quantization: "Q4_K_M", parameterSize: "4.65B", embeddingLength: 1536,
};
export const HF_QWEN35_08B: ModelSpec = {
  ref: "hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest", arch: "qwen35", contextLength: 262144, size: 532517120, mmprojSize: 204603392,
  thinking: true, tools: true, quantization: "Q4_K_M", parameterSize: "752.39M", embeddingLength: 1024, file: "Qwen3.5-0.8B-Q4_K_M.gguf",
};
export const EMBEDDINGGEMMA: ModelSpec = {
  ref: "docker.io/ai/embeddinggemma:latest", arch: "gemma-embedding", contextLength: 2048, size: 328576768, embedding: true,
  quantization: "Q8_0", parameterSize: "302.86M", embeddingLength: 768,
};

/** What `seedLlmmanStore` writes by default, in this (index) order. */
export const DEFAULT_STORE_MODELS: readonly ModelSpec[] = [QWEN35_08B, GEMMA4_E2B, HF_QWEN35_08B, EMBEDDINGGEMMA];

/** Pullable models of the emulated registries (the stored ones can be pulled again after a delete). */
export const DEFAULT_REGISTRY: readonly ModelSpec[] = [
  ...DEFAULT_STORE_MODELS,
  {
    ref: "docker.io/ai/qwen3.8:latest", arch: "qwen35", contextLength: 262144, size: 16543211520, mmprojSize: 931135488,
    thinking: true, tools: true, quantization: "Q4_K_M", parameterSize: "27.3B", embeddingLength: 5120,
  },
  { ref: "docker.io/ai/gemma3:1b", arch: "gemma3", contextLength: 32768, size: 806058272, quantization: "Q4_K_M", parameterSize: "999.89M", embeddingLength: 1152 },
  { ref: "docker.io/ai/smollm2:latest", arch: "llama", contextLength: 8192, size: 270598144, quantization: "Q4_K_M", parameterSize: "361.82M", embeddingLength: 960 },
];

/** The default registry plus LLMMAN_EMU_REGISTRY's JSON array of specs (same ref: the file wins). */
export function loadRegistry(file: string | undefined): Map<string, ModelSpec> {
  const out = new Map(DEFAULT_REGISTRY.map((m) => [m.ref, m]));
  if (!file) return out;
  const list: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(list)) throw new Error(`LLMMAN_EMU_REGISTRY: ${file} must hold a JSON array of models`);
  for (const m of list as ModelSpec[]) {
    if (typeof m?.ref !== "string" || typeof m.arch !== "string" || !Number.isInteger(m.contextLength) || !Number.isInteger(m.size)) {
      throw new Error(`LLMMAN_EMU_REGISTRY: each model needs ref, arch, contextLength and size (${JSON.stringify(m)})`);
    }
    out.set(m.ref, m);
  }
  return out;
}

const TOOLS_BLOCK = "{%- if tools %}<|im_start|>system\n# Tools\n<tools>{% for tool in tools %}{{ tool | tojson }}{% endfor %}</tools><|im_end|>\n{%- endif %}";
const THINK_BLOCK = "{%- if enable_thinking is defined and enable_thinking is false %}<think>\n\n</think>\n\n{%- endif %}";

function chatTemplate(m: ModelSpec): string | undefined {
  if (m.embedding) return undefined;
  return [
    m.tools ? TOOLS_BLOCK : "",
    "{%- for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{%- endfor %}",
    "{%- if add_generation_prompt %}<|im_start|>assistant\n",
    m.thinking ? THINK_BLOCK : "",
    "{%- endif %}",
  ].join("");
}

/** llama.cpp `general.file_type` numbers for the quantizations used here. */
const FILE_TYPE: Record<string, number> = { F16: 1, Q4_0: 2, Q8_0: 7, Q4_K_S: 14, Q4_K_M: 15, Q5_K_M: 17, Q6_K: 18 };

/** The quantization name of a `general.file_type` ("" when unknown). */
export function quantizationName(fileType: number): string {
  return Object.entries(FILE_TYPE).find(([, n]) => n === fileType)?.[0] ?? "";
}

/** The GGUF header of the model's blob. */
export function ggufMetadata(m: ModelSpec): GgufMetadata {
  const name = m.ref.replace(/^[^/]+\//, "").replace(/:[^:/]*$/, "");
  const meta: GgufMetadata = {
    "general.architecture": m.arch,
    "general.type": "model",
    "general.name": name.split("/").pop()!,
    "general.size_label": m.parameterSize ?? "",
    "general.file_type": FILE_TYPE[m.quantization ?? "Q4_K_M"] ?? 15,
    "general.quantization_version": 2,
    [`${m.arch}.context_length`]: m.contextLength,
    [`${m.arch}.embedding_length`]: m.embeddingLength ?? 1024,
    [`${m.arch}.block_count`]: 24,
    [`${m.arch}.attention.head_count`]: 16,
  };
  if (m.embedding) meta[`${m.arch}.pooling_type`] = 1;
  meta["tokenizer.ggml.model"] = "gpt2";
  meta["tokenizer.ggml.tokens"] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const template = chatTemplate(m);
  if (template) meta["tokenizer.chat_template"] = template;
  return { ...meta, ...m.metadata };
}
