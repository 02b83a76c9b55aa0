// The one definition of the plugin config (`plugins.entries.inferrs.config`). The TypeScript
// types, the runtime validation and the manifest's `configSchema` all come from this file.
import { Type, type Static } from "@sinclair/typebox";
import { SERVE_OWNED_FLAGS } from "../inferrs/defaults.ts";
import { CheckedMap, MAX_TIMER_MS, ModelId, ServerArg, StringEnum, TimerMs } from "./schema-types.ts";

export { MAX_TIMER_MS };

export const INPUT_KINDS = ["text", "image"] as const;

/**
 * What a base URL may look like, as JSON Schema sees it (so `openclaw config validate` and
 * `config set` refuse the rest too): http(s)://, a host without user name or password, an
 * port other than 0, an optional path, no query or fragment, no spaces or backslashes.
 */
export const BASE_URL_PATTERN = "^https?://(?![^/]*:0*(?:/|$))[^\\s/?#@\\\\]+(/[^\\s?#\\\\]*)?$";
export const DEVICES = ["auto", "cpu", "cuda", "rocm", "metal"] as const;

/** An `inferrs serve` flag of service.args or models.<id>.args. */
const ServeArg = ServerArg(SERVE_OWNED_FLAGS, "from baseUrl and service.device");

/** What every backend's `models.<id>` may say about a model; `source` names what it wins over. */
function modelMetadataFields(source: string) {
  return {
    name: Type.Optional(Type.String({ minLength: 1, description: "Display name." })),
    contextWindow: Type.Optional(Type.Integer({ minimum: 1, description: `Context window in tokens; wins over ${source}.` })),
    maxTokens: Type.Optional(Type.Integer({ minimum: 1, description: "Largest completion in tokens." })),
    reasoning: Type.Optional(Type.Boolean({ description: "The model thinks before answering." })),
    input: Type.Optional(
      Type.Array(StringEnum(INPUT_KINDS), {
        minItems: 1,
        uniqueItems: true,
        description: "Input kinds the model accepts.",
      }),
    ),
    supportsTools: Type.Optional(
      Type.Boolean({ description: "Send tool schemas (only for templates that return native tool_calls)." }),
    ),
  };
}

const ModelOverrideSchema = Type.Object(
  {
    ...modelMetadataFields("the Hugging Face config"),
    args: Type.Optional(
      Type.Array(ServeArg, {
        description: "Extra `inferrs serve` flags for this model only; they replace the same flags in service.args.",
      }),
    ),
    env: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: "Extra environment for this model's server." }),
    ),
    idleStopMs: Type.Optional(TimerMs({ description: "Overrides service.idleStopMs for this model's server." })),
  },
  { additionalProperties: false },
);

const ServiceSchema = Type.Object(
  {
    autoStart: Type.Optional(
      Type.Boolean({
        description: "Start `inferrs serve <model>` on demand. Default: on when baseUrl is loopback and the command resolves.",
      }),
    ),
    command: Type.Optional(
      Type.String({ minLength: 1, default: "inferrs", description: "Absolute path, or a name looked up on PATH." }),
    ),
    device: Type.Optional(
      StringEnum(DEVICES, {
        default: "auto",
        description: "auto: metal on macOS arm64, cuda when an NVIDIA GPU is visible, rocm when /dev/kfd exists (and no NVIDIA GPU), else cpu.",
      }),
    ),
    args: Type.Optional(
      Type.Array(ServeArg, { default: [], description: "Extra `inferrs serve` flags, e.g. --max-seq-len 8192." }),
    ),
    env: Type.Optional(
      Type.Record(Type.String(), Type.String(), { default: {}, description: "Extra environment for the server." }),
    ),
    readyTimeoutMs: Type.Optional(
      TimerMs({
        minimum: 1000,
        default: 180000,
        description: "How long a start may take (download and load).",
      }),
    ),
    idleStopMs: Type.Optional(
      TimerMs({
        default: 0,
        description: "Stop the server this long after the last request; 0 keeps it until OpenClaw exits.",
      }),
    ),
    maxServers: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 64,
        default: 1,
        description:
          "How many `inferrs serve` processes (one model each) may run at once. The first uses baseUrl's port, the others free loopback ports.",
      }),
    ),
    preload: Type.Optional(
      Type.Array(ModelId(false), {
        default: [],
        uniqueItems: true,
        description: "Model ids started in the background when the gateway starts (not in one-shot CLI runs).",
      }),
    ),
  },
  { additionalProperties: false },
);

const EmbeddingsSchema = Type.Object(
  {
    timeoutMs: Type.Optional(
      TimerMs({
        minimum: 1000,
        default: 60000,
        description:
          "How long one POST /v1/embeddings (a batch of memory search inputs) may take before it fails with a message naming the server; well under OpenClaw's 120 s batch timeout.",
      }),
    ),
  },
  { additionalProperties: false },
);

const LlmmanServiceSchema = Type.Object(
  {
    autoStart: Type.Optional(
      Type.Boolean({
        description: "Start `llmman serve` on demand. Default: on when baseUrl is loopback and the command resolves.",
      }),
    ),
    command: Type.Optional(
      Type.String({ minLength: 1, default: "llmman", description: "Absolute path, or a name looked up on PATH." }),
    ),
    args: Type.Optional(
      Type.Array(Type.String(), { default: [], description: "Extra `llmman serve` arguments (485d055: e.g. --ctx-size 65536)." }),
    ),
    env: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        default: {},
        description:
          "Extra environment for the daemon, e.g. LLMMAN_CONTEXT_LENGTH, LLMMAN_KEEP_ALIVE, LLMMAN_MODELS. LLMMAN_HOST comes from baseUrl.",
      }),
    ),
    readyTimeoutMs: Type.Optional(
      TimerMs({
        minimum: 1000,
        default: 180000,
        description: "How long the daemon may take to answer GET /api/version (it may download llama-server first).",
      }),
    ),
    idleStopMs: Type.Optional(
      TimerMs({
        minimum: 0,
        default: 0,
        description: "Stop a daemon OpenClaw started this long after the last request; 0 keeps it until OpenClaw exits.",
      }),
    ),
  },
  { additionalProperties: false },
);

const LlmmanConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: BASE_URL_PATTERN,
        default: "http://127.0.0.1:17434/v1",
        description: "llmman's OpenAI-compatible base URL, ending in /v1: http(s), no user name or password, no query or fragment.",
      }),
    ),
    apiKey: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Sent as the bearer token (default: the literal llmman, so the daemon uses its own hosted-provider keys for hybrid refs).",
      }),
    ),
    discoveryTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 50, maximum: 60000, default: 2000, description: "Timeout of each discovery request." }),
    ),
    requestTimeoutMs: Type.Optional(
      TimerMs({
        minimum: 1000,
        default: 1800000,
        description: "How long one request may take in all: daemon start, pull, load and answer.",
      }),
    ),
    models: Type.Optional(
      Type.Record(Type.String({ minLength: 1 }), Type.Object(modelMetadataFields("/api/show and /api/ps"), { additionalProperties: false }), {
        default: {},
        description: "Per-model overrides, keyed by model id (short or fully qualified, e.g. qwen3.5:0.8b).",
      }),
    ),
    service: Type.Optional(LlmmanServiceSchema),
  },
  { additionalProperties: false, description: "The llmman provider (llmman/<model>)." },
);

export const PluginConfigSchema = Type.Object(
  {
    baseUrl: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: BASE_URL_PATTERN,
        default: "http://127.0.0.1:8080/v1",
        description:
          "inferrs OpenAI-compatible base URL, ending in /v1: http(s), no user name or password, a port other than 0, no query or fragment.",
      }),
    ),
    apiKey: Type.Optional(
      Type.String({ minLength: 1, description: "Sent as the bearer token. inferrs has no auth, so none is needed." }),
    ),
    discoveryTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 50, maximum: 60000, default: 2000, description: "Timeout of GET /v1/models." }),
    ),
    models: Type.Optional(
      CheckedMap(ModelId(true), ModelOverrideSchema, {
        default: {},
        description: "Per-model overrides, keyed by model id (e.g. google/gemma-4-E2B-it).",
      }),
    ),
    service: Type.Optional(ServiceSchema),
    embeddings: Type.Optional(EmbeddingsSchema),
    llmman: Type.Optional(LlmmanConfigSchema),
  },
  { additionalProperties: false },
);

export { LlmmanConfigSchema };
export type LlmmanConfigInput = Static<typeof LlmmanConfigSchema>;
export type LlmmanModelOverride = NonNullable<LlmmanConfigInput["models"]>[string];
export type PluginConfigInput = Static<typeof PluginConfigSchema>;
export type ModelOverride = Static<typeof ModelOverrideSchema>;
export type InputKind = (typeof INPUT_KINDS)[number];
export type Device = (typeof DEVICES)[number];
