// `plugins.entries.inferrs.config.llmman`, after the schema check of the whole plugin config:
// defaults filled in, the base URL's address derived, and the checks the schema cannot say.
import { Value } from "@sinclair/typebox/value";
import { refuseRemoteAutoStart, serverAddressOf, type BaseUrlKeys, type ServerAddress } from "../config/base-url.ts";
import { ConfigError, LLMMAN_CONFIG_PATH } from "../config/config-error.ts";
import { LlmmanConfigSchema, type LlmmanConfigInput, type LlmmanModelOverride } from "../config/schema.ts";
import { modelIdProblem, parseModelRef } from "./model-id.ts";

export { LLMMAN_CONFIG_PATH };

export type LlmmanServiceConfig = {
  /** undefined = decide at start time (loopback base URL and a command that resolves). */
  autoStart: boolean | undefined;
  command: string;
  /** After `serve`. */
  args: string[];
  env: Record<string, string>;
  readyTimeoutMs: number;
  idleStopMs: number;
};

export type ResolvedLlmmanConfig = ServerAddress & {
  apiKey: string | undefined;
  discoveryTimeoutMs: number;
  /** Daemon start, pull, load and answer of one request. */
  requestTimeoutMs: number;
  /** Keyed by the canonical ref (`docker.io/ai/qwen3.5:0.8b`), or the hybrid/provider id as given. */
  models: Record<string, LlmmanModelOverride>;
  service: LlmmanServiceConfig;
  /**
   * The context ceiling a daemon the plugin starts gets: LLMMAN_CONTEXT_LENGTH in service.env
   * (v0.1.334), else `--ctx-size` in service.args (485d055); undefined when neither is set (or 0).
   */
  contextLength: number | undefined;
};

export const LLMMAN_BASE_URL_KEYS: BaseUrlKeys = {
  baseUrlKey: `${LLMMAN_CONFIG_PATH}.baseUrl`,
  apiKeyKey: `${LLMMAN_CONFIG_PATH}.apiKey`,
  server: "llmman",
  example: "http://127.0.0.1:17434/v1",
};

const ServiceDefaults = LlmmanConfigSchema.properties.service;

/** `input` has passed the schema check already (it is part of the plugin config). */
export function resolveLlmmanConfig(input: LlmmanConfigInput | undefined): ResolvedLlmmanConfig {
  const config = Value.Default(LlmmanConfigSchema, Value.Clone(input ?? {})) as LlmmanConfigInput;
  const service = Value.Default(ServiceDefaults, Value.Clone(config.service ?? {})) as LlmmanServiceConfig;
  const address = serverAddressOf(config.baseUrl!, LLMMAN_BASE_URL_KEYS);
  refuseRemoteAutoStart(service.autoStart, address, LLMMAN_BASE_URL_KEYS, `${LLMMAN_CONFIG_PATH}.service`);
  if (Object.hasOwn(service.env, "LLMMAN_HOST")) {
    throw new ConfigError(
      `${LLMMAN_CONFIG_PATH}.service.env.LLMMAN_HOST is set, but the plugin sets LLMMAN_HOST from ${LLMMAN_CONFIG_PATH}.baseUrl ` +
        `(the daemon must listen where OpenClaw sends requests): remove it and set baseUrl instead.`,
    );
  }
  return {
    ...address,
    apiKey: config.apiKey,
    discoveryTimeoutMs: config.discoveryTimeoutMs!,
    requestTimeoutMs: config.requestTimeoutMs!,
    models: canonicalOverrides(config.models!),
    service: {
      autoStart: service.autoStart,
      command: service.command,
      args: service.args,
      env: service.env,
      readyTimeoutMs: service.readyTimeoutMs,
      idleStopMs: service.idleStopMs,
    },
    contextLength: contextCeiling(service),
  };
}

function canonicalOverrides(models: Record<string, LlmmanModelOverride>): Record<string, LlmmanModelOverride> {
  const byRef: Record<string, LlmmanModelOverride> = {};
  const keyOf = new Map<string, string>();
  for (const [key, override] of Object.entries(models)) {
    const problem = modelIdProblem(key);
    if (problem) throw new ConfigError(`${LLMMAN_CONFIG_PATH}.models[${JSON.stringify(key)}]: ${problem}`);
    const parsed = parseModelRef(key);
    const ref = parsed.kind === "local" ? parsed.ref : key;
    const earlier = keyOf.get(ref);
    if (earlier !== undefined) {
      throw new ConfigError(
        `${LLMMAN_CONFIG_PATH}.models has both ${JSON.stringify(earlier)} and ${JSON.stringify(key)}, which llmman resolves to the same model ` +
          `${JSON.stringify(ref)}: keep one of them.`,
      );
    }
    keyOf.set(ref, key);
    byRef[ref] = override;
  }
  return byRef;
}

function contextCeiling(service: LlmmanServiceConfig): number | undefined {
  const fromEnv = service.env.LLMMAN_CONTEXT_LENGTH;
  if (fromEnv !== undefined) return tokens(fromEnv, `${LLMMAN_CONFIG_PATH}.service.env.LLMMAN_CONTEXT_LENGTH`);
  const at = service.args.findIndex((arg) => arg === "--ctx-size" || arg.startsWith("--ctx-size="));
  if (at === -1) return undefined;
  const arg = service.args[at]!;
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : service.args[at + 1];
  return tokens(value ?? "", `${LLMMAN_CONFIG_PATH}.service.args (--ctx-size)`);
}

function tokens(value: string, key: string): number | undefined {
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new ConfigError(`${key} is ${JSON.stringify(value)}, but it must be a number of tokens such as 65536 (0 = llmman's default).`);
  }
  return Number(value) || undefined;
}

