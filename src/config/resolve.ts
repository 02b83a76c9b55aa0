// Validates `plugins.entries.inferrs.config` against the schema, fills in defaults and derives
// what the rest of the plugin needs (host/port of the base URL, loopback or not).
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { CONFIG_PATH, ConfigError } from "./config-error.ts";
import { LLMMAN_BASE_URL_KEYS, resolveLlmmanConfig, type ResolvedLlmmanConfig } from "../llmman/config.ts";
import { refuseRemoteAutoStart, serverAddressOf, type BaseUrlKeys } from "./base-url.ts";
import { PluginConfigSchema, type Device, type ModelOverride, type PluginConfigInput } from "./schema.ts";
import { keyRuleOf, ruleOf } from "./schema-types.ts";

export { CONFIG_PATH, ConfigError };
export type { ResolvedLlmmanConfig };

export type ServiceConfig = {
  /** undefined = decide at start time (loopback base URL and a command that resolves). */
  autoStart: boolean | undefined;
  command: string;
  device: Device;
  args: string[];
  env: Record<string, string>;
  readyTimeoutMs: number;
  idleStopMs: number;
  maxServers: number;
  preload: string[];
};

export type ResolvedConfig = {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8080/v1 */
  baseUrl: string;
  /** Server root (where /health lives), e.g. http://127.0.0.1:8080 */
  origin: string;
  host: string;
  port: number;
  loopback: boolean;
  apiKey: string | undefined;
  discoveryTimeoutMs: number;
  models: Record<string, ModelOverride>;
  service: ServiceConfig;
  /** Memory search's embedding requests. */
  embeddings: { timeoutMs: number };
  /** The llmman provider's settings (`llmman.*`), defaults filled in when the section is absent. */
  llmman: ResolvedLlmmanConfig;
};

const INFERRS_BASE_URL_KEYS: BaseUrlKeys = {
  baseUrlKey: `${CONFIG_PATH}.baseUrl`,
  apiKeyKey: `${CONFIG_PATH}.apiKey`,
  server: "inferrs",
  example: "http://127.0.0.1:8080/v1",
};

export function resolveConfig(raw: unknown): ResolvedConfig {
  const input = raw ?? {};
  const baseUrl = (input as { baseUrl?: unknown }).baseUrl;
  // Before the schema: its pattern error would say less, and quote a password or a query.
  if (typeof baseUrl === "string") serverAddressOf(baseUrl, INFERRS_BASE_URL_KEYS);
  const llmmanBaseUrl = (input as { llmman?: { baseUrl?: unknown } }).llmman?.baseUrl;
  if (typeof llmmanBaseUrl === "string") serverAddressOf(llmmanBaseUrl, LLMMAN_BASE_URL_KEYS);
  const firstError = Value.Errors(PluginConfigSchema, input).First();
  if (firstError) throw new ConfigError(describeError(firstError));
  const config = Value.Default(PluginConfigSchema, Value.Clone(input)) as PluginConfigInput;
  const service = Value.Default(ServiceDefaults, Value.Clone(config.service ?? {})) as Required<
    NonNullable<PluginConfigInput["service"]>
  >;
  const embeddings = Value.Default(EmbeddingsDefaults, Value.Clone(config.embeddings ?? {})) as { timeoutMs: number };
  const address = serverAddressOf(config.baseUrl!, INFERRS_BASE_URL_KEYS);
  refuseRemoteAutoStart(service.autoStart, address, INFERRS_BASE_URL_KEYS, `${CONFIG_PATH}.service`);
  return {
    ...address,
    apiKey: config.apiKey,
    discoveryTimeoutMs: config.discoveryTimeoutMs!,
    models: config.models!,
    service: {
      autoStart: service.autoStart,
      command: service.command,
      device: service.device,
      args: service.args,
      env: service.env,
      readyTimeoutMs: service.readyTimeoutMs,
      idleStopMs: service.idleStopMs,
      maxServers: service.maxServers,
      preload: service.preload,
    },
    embeddings: { timeoutMs: embeddings.timeoutMs },
    llmman: resolveLlmmanConfig(config.llmman),
  };
}

const ServiceDefaults = PluginConfigSchema.properties.service;
const EmbeddingsDefaults = PluginConfigSchema.properties.embeddings;

function describeError(error: ValueError): string {
  const key = error.path ? error.path.slice(1).split("/").map(unescapePointer) : [];
  if (error.message.startsWith("Unexpected property")) {
    const parent = key.slice(0, -1);
    const keyRule = keyRuleOf(error.schema);
    if (keyRule) return `${configPath(parent)} has the key ${JSON.stringify(key.at(-1))}, which it refuses: ${keyRule.reason(key.at(-1)!)}.`;
    return `${configPath(parent)} has an unknown key ${JSON.stringify(key.at(-1))}. Allowed keys: ${allowedKeys(parent).join(", ")}.`;
  }
  // The API key and server environment may hold secrets: never echo them.
  const own = key[0] === "llmman" ? key.slice(1) : key;
  const secret = own[0] === "apiKey" || (own[0] === "service" && own[1] === "env");
  const value = secret ? "<redacted>" : (JSON.stringify(error.value) ?? "undefined");
  const rule = ruleOf(error.schema);
  if (rule && typeof error.value === "string") return `${configPath(key)} is ${value}, which is refused: ${rule.reason(error.value)}.`;
  return `${configPath(key)} is ${value}, but it must be ${allowedValues(error.schema)}.`;
}

/** plugins.entries.inferrs.config.models["google/gemma-4-E2B-it"].input[1] */
function configPath(key: string[]): string {
  return key.reduce(
    (path, segment) =>
      /^\d+$/.test(segment)
        ? `${path}[${segment}]`
        : /^[A-Za-z_]\w*$/.test(segment)
          ? `${path}.${segment}`
          : `${path}[${JSON.stringify(segment)}]`,
    CONFIG_PATH,
  );
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}

function allowedKeys(path: string[]): string[] {
  let schema: TSchema = PluginConfigSchema;
  for (const segment of path) {
    schema = schema.properties?.[segment] ?? schema.patternProperties?.[Object.keys(schema.patternProperties)[0]!];
  }
  return Object.keys(schema.properties ?? {});
}

function allowedValues(schema: TSchema): string {
  switch (schema[Kind]) {
    case "StringEnum":
      return `one of ${schema.enum.map((value: string) => JSON.stringify(value)).join(", ")}`;
    case "Integer":
    case "Number": {
      const bounds = [
        schema.minimum !== undefined ? `≥ ${schema.minimum}` : "",
        schema.maximum !== undefined ? `≤ ${schema.maximum}` : "",
      ].filter(Boolean);
      return `${schema[Kind] === "Integer" ? "an integer" : "a number"}${bounds.length ? " " + bounds.join(" and ") : ""}`;
    }
    case "String":
      return schema.minLength ? "a non-empty string" : "a string";
    case "Boolean":
      return "true or false";
    case "Array":
      return `a list${schema.minItems ? " with at least one item" : ""}${schema.uniqueItems ? " without repeats" : ""} of ${allowedValues(schema.items)}`;
    case "Record":
    case "Object":
      return "an object";
    default:
      return "valid";
  }
}
