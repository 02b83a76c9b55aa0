// Deterministic stand-ins for inferrs' embeddings (server.rs `embeddings`): the loaded model's
// per-token hidden states mean-pooled and L2-normalised. Each token (a lower-cased word, or any
// other non-space character) gets a fixed pseudo-random vector from its hash; the mean of a
// text's token vectors is normalised. Texts that share words get similar vectors, so a search
// over them behaves like a real (if crude) semantic search.
import { HttpError, type LoadedModel } from "./slot.ts";

const TOKEN = /[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu;

/** Hidden size of the model's config.json: the embedding width (768 when absent). */
export function embeddingDimensions(model: LoadedModel): number {
  const cfg = model.config as { hidden_size?: unknown; text_config?: { hidden_size?: unknown } };
  const size = Number(cfg.text_config?.hidden_size ?? cfg.hidden_size ?? 768);
  return Number.isInteger(size) && size > 0 ? size : 768;
}

/**
 * The embedding of one input. An input without a single token cannot be pooled: inferrs' 400
 * `tokenization failed` (the wording after the colon is the emulator's guess).
 */
export function embedText(model: LoadedModel, input: string): number[] {
  const vector = embedVector(input, embeddingDimensions(model));
  if (!vector) throw new HttpError(400, { error: "tokenization failed: the input has no tokens" });
  return vector;
}

/** The deterministic `dims`-wide vector of a text; undefined when it has no token. */
export function embedVector(input: string, dims: number): number[] | undefined {
  const tokens = input.toLowerCase().match(TOKEN) ?? [];
  if (tokens.length === 0) return undefined;
  const sum = new Float64Array(dims);
  for (const token of tokens) {
    const next = mulberry32(fnv1a(token));
    for (let k = 0; k < dims; k++) sum[k]! += next() * 2 - 1;
  }
  const norm = Math.hypot(...sum) || 1;
  return Array.from(sum, (x) => Math.fround(x / norm));
}

function fnv1a(text: string): number {
  let hash = 2166136261;
  for (const ch of text) hash = Math.imul(hash ^ ch.codePointAt(0)!, 16777619) >>> 0;
  return hash;
}

/** A small seeded PRNG: the same token always gets the same vector. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
