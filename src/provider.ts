// The `inferrs` provider: live catalog, dynamic models for any id, key-less auth, onboarding and
// the supervised request path.
import { resolveConfig, type ResolvedConfig } from "./config/resolve.ts";
import { API, API_KEY_ENV_VAR, LOCAL_AUTH_MARKER, PROVIDER_ID, PROVIDER_LABEL } from "./defaults.ts";
import { discoverModels } from "./discovery/catalog.ts";
import { hubCacheDir } from "./discovery/hf-cache.ts";
import { runtimeModelFor } from "./discovery/model-entry.ts";
import type { ProviderPlugin, StreamFn } from "./host-types.ts";
import { createOnboardingAuthMethod } from "./onboarding/auth-method.ts";
import { createStreamWrapper } from "./request/wrap-stream.ts";
import type { Supervisor } from "./service/supervisor.ts";

type Logger = { warn(message: string): void };

export type ProviderDeps = {
  /** `plugins.entries.inferrs.config` as given at registration. */
  pluginConfig: unknown;
  supervisor: Supervisor;
  logger: Logger;
};

/** Hooks get the live host config: read our entry from it so edits apply without a restart. */
export function configLoader(pluginConfig: unknown): (hostConfig: unknown) => ResolvedConfig {
  return (hostConfig) => {
    const entries = (hostConfig as { plugins?: { entries?: Record<string, { config?: unknown }> } })?.plugins?.entries;
    return resolveConfig(entries?.[PROVIDER_ID]?.config ?? pluginConfig);
  };
}

export function createProvider(deps: ProviderDeps): ProviderPlugin {
  const loadConfig = configLoader(deps.pluginConfig);
  const wrap = createStreamWrapper({
    supervisor: deps.supervisor,
    loadConfig,
    defaultStreamFn: async () => {
      const llm = (await import("openclaw/plugin-sdk/llm")) as { streamSimple: StreamFn };
      return llm.streamSimple;
    },
  });
  const dynamicModel = (ctx: { provider: string; modelId: string; config?: unknown }) =>
    ctx.provider === PROVIDER_ID ? runtimeModelFor(ctx.modelId, loadConfig(ctx.config), hubCacheDir()) : undefined;

  return {
    id: PROVIDER_ID,
    label: PROVIDER_LABEL,
    envVars: [API_KEY_ENV_VAR],
    auth: [createOnboardingAuthMethod()],
    catalog: {
      order: "late",
      run: async (ctx) => {
        const config = loadConfig(ctx.config);
        const discovery = await discoverModels(config, ctx.env, ctx.signal);
        for (const warning of discovery.warnings) deps.logger.warn(`inferrs: ${warning}`);
        return { provider: { baseUrl: config.baseUrl, api: API, models: discovery.models } };
      },
    },
    resolveDynamicModel: dynamicModel,
    prepareDynamicModel: async (ctx) => dynamicModel(ctx),
    // inferrs has no auth: a non-secret marker satisfies the host (a configured apiKey wins; an
    // INFERRS_API_KEY or stored profile wins over this). Agent turns ask for it only because the
    // manifest says `setup.requiresRuntime: false`.
    resolveSyntheticAuth: (ctx) => ({
      apiKey: loadConfig(ctx.config).apiKey ?? LOCAL_AUTH_MARKER,
      source: "inferrs plugin (inferrs needs no API key)",
      mode: "api-key",
    }),
    wrapStreamFn: wrap,
    wrapSimpleCompletionStreamFn: wrap,
  };
}
