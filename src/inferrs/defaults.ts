// Fixed facts about the provider, in one place. Config defaults live in config/schema.ts.

export const PROVIDER_ID = "inferrs";
export const PROVIDER_LABEL = "inferrs";
export const API = "openai-completions";

/** Declared in the manifest (setup.providers[].envVars): any value satisfies agent-turn auth. */
export const API_KEY_ENV_VAR = "INFERRS_API_KEY";
/** The `inferrs serve` flags the plugin sets itself (serve-argv.ts); the config may not set them. */
export const SERVE_OWNED_FLAGS = ["--host", "--port", "--device"] as const;

/** Non-secret marker sent as the bearer when the user configured no key (inferrs ignores it). */
export const LOCAL_AUTH_MARKER = "inferrs-local";

export const DEFAULT_MAX_TOKENS = 4096;
/**
 * Time an answer may take once inferrs is ready: the host's own first-event timeout for local
 * models. A model's requestTimeoutMs is service.readyTimeoutMs plus this.
 */
export const ANSWER_TIMEOUT_MS = 300_000;
/** Documented context window of google/gemma-4-E2B-it; used when nothing better is known. */
export const FALLBACK_CONTEXT_WINDOW = 131072;
/** More models than this in GET /v1/models are cut off with a warning. */
export const MAX_LISTED_MODELS = 5000;
/** A /v1/models body larger than this is refused (inferrs' own lists are a few KB). */
export const MAX_MODELS_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Embedding model for memory search when `memory.search.model` is unset: small (0.6B, 1024
 * dimensions), a Qwen3 architecture inferrs loads, trained for retrieval.
 */
export const DEFAULT_EMBEDDING_MODEL = "Qwen/Qwen3-Embedding-0.6B";
/** Inputs per POST /v1/embeddings: inferrs embeds a batch in one engine pass, one request at a time. */
export const EMBEDDING_BATCH_MAX_INPUTS = 32;

/**
 * Compat flags that match inferrs' real behaviour (../shared/inferrs-api.md §6, §8).
 * supportsTools is per model (see discovery/model-metadata.ts).
 */
export const INFERRS_COMPAT = {
  /** Releases before 2026-04 reject array content with a 422. */
  requiresStringContent: true,
  /** Role `developer` is a 422 (unknown variant). */
  supportsDeveloperRole: false,
  /** No usage chunk is ever streamed. */
  supportsUsageInStreaming: false,
  /** `store` is ignored; do not send it. */
  supportsStore: false,
  /** json_schema turns on generic JSON only; the schema is not enforced. */
  supportsJsonSchemaResponseFormat: false,
} as const;
