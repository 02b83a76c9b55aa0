// Validates `plugins.entries.inferrs.config` against the schema, fills in defaults and derives
// what the rest of the plugin needs (host/port of the base URL, loopback or not).
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import { CONFIG_PATH, ConfigError } from "./config-error.ts";
import { isLoopbackHost } from "./loopback.ts";
import { BASE_URL_PATTERN, PluginConfigSchema, type Device, type ModelOverride, type PluginConfigInput } from "./schema.ts";

export { CONFIG_PATH, ConfigError, isLoopbackHost };

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
};

export function resolveConfig(raw: unknown): ResolvedConfig {
  const input = raw ?? {};
  const baseUrl = (input as { baseUrl?: unknown }).baseUrl;
  // Before the schema: its pattern error would say less, and quote a password.
  if (typeof baseUrl === "string") parseBaseUrl(baseUrl);
  const firstError = Value.Errors(PluginConfigSchema, input).First();
  if (firstError) throw new ConfigError(describeError(firstError));
  const config = Value.Default(PluginConfigSchema, Value.Clone(input)) as PluginConfigInput;
  const service = Value.Default(ServiceDefaults, Value.Clone(config.service ?? {})) as Required<
    NonNullable<PluginConfigInput["service"]>
  >;
  const url = parseBaseUrl(config.baseUrl!);
  const loopback = isLoopbackHost(url.hostname);
  if (service.autoStart === true && !loopback) {
    throw new ConfigError(
      `${CONFIG_PATH}.service.autoStart is true but baseUrl ${config.baseUrl} is not a loopback address: ` +
        `OpenClaw can only start inferrs on this machine. Set baseUrl to http://127.0.0.1:<port>/v1 or set service.autoStart to false.`,
    );
  }
  return {
    baseUrl: url.href.replace(/\/+$/, ""),
    origin: url.origin,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    loopback,
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
  };
}

const ServiceDefaults = PluginConfigSchema.properties.service;

const BASE_URL = new RegExp(BASE_URL_PATTERN);

/** Refuses what the schema's pattern refuses, one message per reason, and never quotes credentials. */
function parseBaseUrl(value: string): URL {
  const shown = JSON.stringify(withoutCredentials(value));
  const example = "e.g. http://127.0.0.1:8080/v1";
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  if (url && url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${CONFIG_PATH}.baseUrl is ${shown}: only http:// and https:// are allowed, ${example}.`);
  }
  if (url && (url.username || url.password || /^[^/]*\/\/[^/?#]*@/.test(value))) {
    throw new ConfigError(
      `${CONFIG_PATH}.baseUrl is ${shown}: remove the user name and password from it (inferrs has no auth; ` +
        `set ${CONFIG_PATH}.apiKey if a proxy in front of it needs a bearer token).`,
    );
  }
  if (url && (url.search || url.hash || /[?#]/.test(value))) {
    throw new ConfigError(`${CONFIG_PATH}.baseUrl is ${shown}: remove the query or fragment.`);
  }
  if (!url || !BASE_URL.test(value)) {
    throw new ConfigError(
      `${CONFIG_PATH}.baseUrl is ${shown}, which is not a base URL: expected http:// or https:// in lower case, a host, a port and a path without spaces, ${example}.`,
    );
  }
  return url;
}

/** A base URL as it may be printed: anything before an `@` in the authority is masked. */
function withoutCredentials(value: string): string {
  return value.replace(/^([^/]*\/\/)?[^/?#]*@/, "$1<redacted>@");
}

function describeError(error: ValueError): string {
  const key = error.path.replace(/^\//, "").split("/").filter(Boolean).map(unescapePointer);
  if (error.message.startsWith("Unexpected property")) {
    const parent = key.slice(0, -1);
    return `${configPath(parent)} has an unknown key ${JSON.stringify(key.at(-1))}. Allowed keys: ${allowedKeys(parent).join(", ")}.`;
  }
  // The API key and server environment may hold secrets: never echo them.
  const secret = key[0] === "apiKey" || (key[0] === "service" && key[1] === "env");
  const value = secret ? "<redacted>" : (JSON.stringify(error.value) ?? "undefined");
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
