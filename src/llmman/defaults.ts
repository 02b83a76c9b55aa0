// Fixed facts about the llmman provider (../shared/llmman-api.md), in one place. Config defaults
// live in config/schema.ts.

export const LLMMAN_PROVIDER_ID = "llmman";
export const LLMMAN_PROVIDER_LABEL = "llmman";

/** Declared in the manifest (setup.providers[].envVars): its value is sent as the bearer. */
export const LLMMAN_API_KEY_ENV_VAR = "LLMMAN_API_KEY";
/**
 * The bearer when no key is configured: llmman's own placeholder. Any other bearer is forwarded
 * to a hosted provider as its key for hybrid and provider refs (§11).
 */
export const LLMMAN_AUTH_PLACEHOLDER = "llmman";

/** llmman's context when LLMMAN_CONTEXT_LENGTH is unset (v0.1.334), capped to the trained context. */
export const LLMMAN_DEFAULT_CONTEXT = 262144;
/**
 * When the daemon says nothing about a model's context (485d055's /api/show has no model_info
 * header, and the model is not loaded): a window every current llama-server model holds.
 */
export const LLMMAN_FALLBACK_CONTEXT = 32768;
export const LLMMAN_DEFAULT_MAX_TOKENS = 8192;

/** How many /api/show requests discovery runs at once. */
export const SHOW_CONCURRENCY = 8;
/** More models than this in GET /v1/models (or the store) are cut off with a warning. */
export const MAX_LISTED_MODELS = 5000;
/** Body caps: /v1/models and /api/ps are lists of short entries; /api/show carries a GGUF header. */
export const MAX_LIST_BODY_BYTES = 8 * 1024 * 1024;
export const MAX_SHOW_BODY_BYTES = 4 * 1024 * 1024;
/** An `{"error": …}` answer, or one NDJSON line of /api/pull. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;
/** How often a wait (pull, load) is reported. */
export const STATUS_INTERVAL_MS = 2000;

/**
 * Compat flags that match llmman's behaviour: it proxies llama-server's OpenAI API untouched
 * (§6), which takes content parts and streams usage; the host forces developer-role off anyway.
 */
export const LLMMAN_COMPAT = {
  supportsDeveloperRole: false,
  supportsStore: false,
  supportsReasoningEffort: false,
} as const;

/** `memory.search.model` when unset: llmman's embedding model on Docker Hub (768 dimensions). */
export const DEFAULT_LLMMAN_EMBEDDING_MODEL = "embeddinggemma";
/** Inputs per POST /v1/embeddings (llama-server embeds a batch in one pass). */
export const LLMMAN_EMBEDDING_BATCH = 32;
