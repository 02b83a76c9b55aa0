// The Hugging Face hub cache as inferrs sees it: where it is, what /v1/models lists from it,
// and helpers to seed a fake cache (tests) or to "download" a model into it (emulated load).
// Tokenizer files come from tokenizer-configs.ts.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { presetTokenizerFiles, type TokenizerFiles } from "./tokenizer-configs.ts";

/** Cache used for listing (inferrs util.rs `cache_root`): HF_HOME, then XDG_CACHE_HOME, then ~/.cache. */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME !== undefined) return join(env.HF_HOME, "hub");
  if (env.XDG_CACHE_HOME !== undefined) return join(env.XDG_CACHE_HOME, "huggingface", "hub");
  return join(env.HOME ?? homedir(), ".cache", "huggingface", "hub");
}

/** Cache hf-hub downloads into: HF_HOME or ~/.cache (hf-hub does not read XDG_CACHE_HOME). */
export function downloadCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME !== undefined) return join(env.HF_HOME, "hub");
  return join(env.HOME ?? homedir(), ".cache", "huggingface", "hub");
}

export function repoFolder(modelId: string): string {
  return `models--${modelId.replaceAll("/", "--")}`;
}

export interface CachedModel {
  id: string;
  /** Newest snapshot dir mtime, unix seconds; undefined when there is no snapshot. */
  created?: number;
}

/** One entry per `models--*` dir, `--` turned into `/`, sorted by id (util.rs `list_cached_models`). */
export function listCachedModels(hubDir: string): CachedModel[] {
  let entries;
  try {
    entries = readdirSync(hubDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const models = entries
    .filter((e) => e.isDirectory() && e.name.startsWith("models--"))
    .map((e) => ({ id: e.name.slice("models--".length).replaceAll("--", "/"), created: newestSnapshotMtime(join(hubDir, e.name)) }));
  return models.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function newestSnapshotMtime(repoDir: string): number | undefined {
  let newest: number | undefined;
  try {
    for (const e of readdirSync(join(repoDir, "snapshots"), { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const secs = Math.floor(statSync(join(repoDir, "snapshots", e.name)).mtimeMs / 1000);
      newest = newest === undefined ? secs : Math.max(newest, secs);
    }
  } catch {
    // no snapshots dir
  }
  return newest;
}

/** The config.json of the newest snapshot of `modelId`, or undefined when not cached. */
export function findCachedConfigPath(hubDir: string, modelId: string): string | undefined {
  const snapshots = join(hubDir, repoFolder(modelId), "snapshots");
  let best: { path: string; mtime: number } | undefined;
  try {
    for (const rev of readdirSync(snapshots)) {
      const path = join(snapshots, rev, "config.json");
      if (!existsSync(path)) continue;
      const mtime = statSync(join(snapshots, rev)).mtimeMs;
      if (!best || mtime > best.mtime) best = { path, mtime };
    }
  } catch {
    return undefined;
  }
  return best?.path;
}

// ── Realistic config.json presets ──────────────────────────────────────────

function layerTypes(count: number, fullEvery: number, local: string): string[] {
  return Array.from({ length: count }, (_, i) => ((i + 1) % fullEvery === 0 ? "full_attention" : local));
}

const GEMMA4_E2B = {
  architectures: ["Gemma4ForConditionalGeneration"],
  model_type: "gemma4",
  audio_token_id: 258881,
  boi_token_id: 255999,
  eoi_token_id: 258882,
  image_token_id: 258880,
  eos_token_id: [1, 106],
  initializer_range: 0.02,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  transformers_version: "5.0.0.dev0",
  text_config: {
    model_type: "gemma4_text",
    vocab_size: 262144,
    hidden_size: 1536,
    intermediate_size: 6144,
    num_hidden_layers: 35,
    num_attention_heads: 8,
    num_key_value_heads: 1,
    head_dim: 256,
    global_head_dim: 512,
    hidden_size_per_layer_input: 256,
    num_kv_shared_layers: 20,
    use_double_wide_mlp: true,
    hidden_activation: "gelu_pytorch_tanh",
    max_position_embeddings: 131072,
    sliding_window: 512,
    layer_types: layerTypes(35, 5, "sliding_attention"),
    rms_norm_eps: 1e-6,
    final_logit_softcapping: 30.0,
    attention_bias: false,
    tie_word_embeddings: true,
    rope_parameters: {
      full_attention: { rope_type: "proportional", rope_theta: 1000000.0, partial_rotary_factor: 0.25 },
      sliding_attention: { rope_type: "default", rope_theta: 10000.0 },
    },
  },
  vision_config: {
    model_type: "gemma4_vision",
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 16,
    num_attention_heads: 12,
    num_key_value_heads: 12,
    head_dim: 64,
    patch_size: 16,
    pooling_kernel_size: 3,
    default_output_length: 280,
    position_embedding_size: 10240,
    rms_norm_eps: 1e-6,
    rope_theta: 100.0,
    use_clipped_linears: true,
    standardize: false,
    hidden_activation: "gelu_pytorch_tanh",
  },
  audio_config: {
    model_type: "gemma4_audio",
    hidden_size: 1024,
    num_hidden_layers: 12,
    num_attention_heads: 8,
    output_proj_dims: 1536,
    subsampling_conv_channels: [128, 32],
    conv_kernel_size: 5,
    attention_chunk_size: 12,
    attention_context_left: 13,
    attention_context_right: 0,
    attention_logit_cap: 50.0,
    residual_weight: 0.5,
    rms_norm_eps: 1e-6,
  },
};

const QWEN35_08B = {
  architectures: ["Qwen3_5ForConditionalGeneration"],
  model_type: "qwen3_5",
  image_token_id: 248056,
  video_token_id: 248057,
  vision_start_token_id: 248053,
  vision_end_token_id: 248054,
  tie_word_embeddings: true,
  transformers_version: "4.57.0.dev0",
  text_config: {
    model_type: "qwen3_5_text",
    vocab_size: 248320,
    hidden_size: 1024,
    intermediate_size: 3584,
    num_hidden_layers: 24,
    num_attention_heads: 8,
    num_key_value_heads: 2,
    head_dim: 256,
    hidden_act: "silu",
    attn_output_gate: true,
    full_attention_interval: 4,
    layer_types: layerTypes(24, 4, "linear_attention"),
    linear_conv_kernel_dim: 4,
    linear_key_head_dim: 128,
    linear_value_head_dim: 128,
    linear_num_key_heads: 16,
    linear_num_value_heads: 16,
    max_position_embeddings: 262144,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: true,
    eos_token_id: 248044,
    dtype: "bfloat16",
    rope_parameters: { rope_type: "default", rope_theta: 10000000, partial_rotary_factor: 0.25, mrope_interleaved: true, mrope_section: [11, 11, 10] },
  },
  vision_config: {
    model_type: "qwen3_5",
    depth: 12,
    hidden_size: 768,
    num_heads: 12,
    intermediate_size: 3072,
    patch_size: 16,
    spatial_merge_size: 2,
    temporal_patch_size: 2,
    in_channels: 3,
    out_hidden_size: 1024,
    num_position_embeddings: 2304,
    deepstack_visual_indexes: [],
    hidden_act: "gelu_pytorch_tanh",
    initializer_range: 0.02,
  },
};

const QWEN3_06B = {
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 151643,
  eos_token_id: 151645,
  head_dim: 128,
  hidden_act: "silu",
  hidden_size: 1024,
  initializer_range: 0.02,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  transformers_version: "4.51.0",
  use_cache: true,
  use_sliding_window: false,
  vocab_size: 151936,
};

/** Qwen/Qwen3-Embedding-0.6B: a Qwen3 checkpoint trained for embeddings (1024 dims), Qwen3-0.6B's shape. */
const QWEN3_EMBEDDING_06B = {
  ...QWEN3_06B,
  eos_token_id: 151643,
  max_position_embeddings: 32768,
  transformers_version: "4.51.3",
  vocab_size: 151669,
};

const PHI3_MINI_4K = {
  architectures: ["Phi3ForCausalLM"],
  model_type: "phi3",
  auto_map: {
    AutoConfig: "configuration_phi3.Phi3Config",
    AutoModelForCausalLM: "modeling_phi3.Phi3ForCausalLM",
  },
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 1,
  embd_pdrop: 0.0,
  eos_token_id: 32000,
  hidden_act: "silu",
  hidden_size: 3072,
  initializer_range: 0.02,
  intermediate_size: 8192,
  max_position_embeddings: 4096,
  num_attention_heads: 32,
  num_hidden_layers: 32,
  num_key_value_heads: 32,
  original_max_position_embeddings: 4096,
  pad_token_id: 32000,
  resid_pdrop: 0.0,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 10000.0,
  sliding_window: 2047,
  tie_word_embeddings: false,
  torch_dtype: "bfloat16",
  transformers_version: "4.40.2",
  use_cache: true,
  vocab_size: 32064,
};

const GEMMA3_1B = {
  architectures: ["Gemma3ForCausalLM"],
  model_type: "gemma3_text",
  attention_bias: false,
  attention_dropout: 0.0,
  attn_logit_softcapping: null,
  bos_token_id: 2,
  cache_implementation: "hybrid",
  eos_token_id: [1, 106],
  final_logit_softcapping: null,
  head_dim: 256,
  hidden_activation: "gelu_pytorch_tanh",
  hidden_size: 1152,
  initializer_range: 0.02,
  intermediate_size: 6912,
  max_position_embeddings: 32768,
  num_attention_heads: 4,
  num_hidden_layers: 26,
  num_key_value_heads: 1,
  pad_token_id: 0,
  query_pre_attn_scalar: 256,
  rms_norm_eps: 1e-6,
  rope_local_base_freq: 10000,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: 512,
  sliding_window_pattern: 6,
  torch_dtype: "bfloat16",
  transformers_version: "4.50.0.dev0",
  use_cache: true,
  vocab_size: 262144,
};

const GEMMA2_2B = {
  architectures: ["Gemma2ForCausalLM"],
  model_type: "gemma2",
  attn_logit_softcapping: 50.0,
  final_logit_softcapping: 30.0,
  head_dim: 256,
  hidden_activation: "gelu_pytorch_tanh",
  hidden_size: 2304,
  intermediate_size: 9216,
  max_position_embeddings: 8192,
  num_attention_heads: 8,
  num_hidden_layers: 26,
  num_key_value_heads: 4,
  query_pre_attn_scalar: 256,
  rms_norm_eps: 1e-6,
  rope_theta: 10000.0,
  sliding_window: 4096,
  torch_dtype: "float32",
  vocab_size: 256000,
};

const QWEN25_05B = {
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  hidden_act: "silu",
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: "bfloat16",
  use_sliding_window: false,
  vocab_size: 151936,
};

const LLAMA = {
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 2048,
  intermediate_size: 8192,
  max_position_embeddings: 131072,
  num_attention_heads: 32,
  num_hidden_layers: 16,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-5,
  rope_theta: 500000.0,
  torch_dtype: "bfloat16",
  vocab_size: 128256,
};

/** Models seeded by default, with the configs above. */
export const DEFAULT_SEED_MODELS = [
  "google/gemma-4-E2B-it",
  "Qwen/Qwen3.5-0.8B",
  "Qwen/Qwen3-0.6B",
  "microsoft/Phi-3-mini-4k-instruct",
  "google/gemma-3-1b-it",
  "Qwen/Qwen3-Embedding-0.6B",
] as const;

/**
 * A plausible config.json for a model id: the exact preset for the seeded models, otherwise one
 * picked by family from the name. Unknown families get a Llama config, which inferrs cannot load
 * ("Unsupported model architecture"), just like a real unsupported model.
 */
export function presetConfig(modelId: string): Record<string, unknown> {
  const name = modelId.toLowerCase();
  const pick = (): Record<string, unknown> => {
    if (/qwen3[._-]?5/.test(name)) return QWEN35_08B;
    if (/qwen3-embedding/.test(name)) return QWEN3_EMBEDDING_06B;
    if (/qwen3/.test(name)) return QWEN3_06B;
    if (/qwen2/.test(name)) return QWEN25_05B;
    if (/gemma-?4/.test(name)) return GEMMA4_E2B;
    if (/gemma-?3/.test(name)) return GEMMA3_1B;
    if (/gemma-?2/.test(name)) return GEMMA2_2B;
    if (/phi-?[34]/.test(name)) return PHI3_MINI_4K;
    return LLAMA;
  };
  return structuredClone(pick());
}

export interface SeedModel {
  id: string;
  /** config.json content; default: presetConfig(id). */
  config?: Record<string, unknown>;
  /** tokenizer_config.json (and chat_template.jinja); default: presetTokenizerFiles(id). */
  tokenizer?: TokenizerFiles;
  /** mtime of the snapshot dir (what /v1/models reports as `created`). */
  mtime?: Date;
}

/** A fixed fake commit hash per model id, so repeated seeds land in the same snapshot. */
function revisionOf(modelId: string): string {
  return createHash("sha1").update(modelId).digest("hex");
}

/**
 * Writes one model into a hub cache dir in the real layout: refs/main, blobs/<sha256>, and
 * snapshots/<rev>/config.json, tokenizer_config.json, ... as relative symlinks to the blobs.
 * Returns the snapshot dir.
 */
export function writeCachedModel(hubDir: string, model: SeedModel): string {
  const repoDir = join(hubDir, repoFolder(model.id));
  const rev = revisionOf(model.id);
  const snapshot = join(repoDir, "snapshots", rev);
  mkdirSync(join(repoDir, "blobs"), { recursive: true });
  mkdirSync(join(repoDir, "refs"), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  writeFileSync(join(repoDir, "refs", "main"), rev);
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const files: Record<string, string> = { "config.json": json(model.config ?? presetConfig(model.id)) };
  for (const [name, content] of Object.entries(model.tokenizer ?? presetTokenizerFiles(model.id))) {
    files[name] = typeof content === "string" ? content : json(content);
  }
  for (const [name, body] of Object.entries(files)) {
    const blob = createHash("sha256").update(body).digest("hex");
    writeFileSync(join(repoDir, "blobs", blob), body);
    const link = join(snapshot, name);
    rmSync(link, { force: true });
    symlinkSync(join("..", "..", "blobs", blob), link);
  }
  if (model.mtime) utimesSync(snapshot, model.mtime, model.mtime);
  return snapshot;
}

/**
 * hf-hub's cache lookup (`CacheRepo::get`): the commit in refs/<revision>, read as is, then
 * snapshots/<commit>/<file>. undefined when the ref or the file is missing.
 */
export function cachedSnapshotFile(hubDir: string, modelId: string, revision: string, file: string): string | undefined {
  const repoDir = join(hubDir, repoFolder(modelId));
  let commit: string;
  try {
    commit = readFileSync(join(repoDir, "refs", revision), "utf8");
  } catch {
    return undefined;
  }
  const path = join(repoDir, "snapshots", commit, file);
  return existsSync(path) ? path : undefined;
}

/**
 * Seeds a fake HF cache under `hfHome` (use it as HF_HOME) and returns the hub dir.
 * Entries are model ids (preset config) or SeedModel objects.
 */
export function seedHfCache(hfHome: string, models: ReadonlyArray<string | SeedModel> = DEFAULT_SEED_MODELS): string {
  const hubDir = join(hfHome, "hub");
  mkdirSync(hubDir, { recursive: true });
  for (const m of models) writeCachedModel(hubDir, typeof m === "string" ? { id: m } : m);
  return hubDir;
}

export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}
