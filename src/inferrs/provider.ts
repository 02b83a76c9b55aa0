// The `inferrs` provider: live catalog, dynamic models for any id, key-less auth, onboarding and
// the supervised request path.
import { entryConfig, resolveConfigIfLoaded, resolveConfigLazily } from "../config/load.ts";
import type { ResolvedConfig } from "../config/resolve.ts";
import { API, API_KEY_ENV_VAR, LOCAL_AUTH_MARKER, PROVIDER_ID, PROVIDER_LABEL } from "./defaults.ts";
import { discoverModels } from "./discovery/catalog.ts";
import { hubCacheDir } from "./discovery/hf-cache.ts";
import { runtimeModelFor } from "./discovery/model-entry.ts";
import type { ProviderPlugin, StreamFn } from "../host-types.ts";
import { modelIdProblem } from "./model-id.ts";
import { createOnboardingAuthMethod } from "./onboarding/auth-method.ts";
import { createStreamWrapper, type RequestDeps } from "./request/stream.ts";
import type { Supervisor } from "./pool/supervisor.ts";
import { syntheticAuth } from "../synthetic-auth.ts";
import { classifyFailoverReason } from "../request/host-retry.ts";

type Logger = { warn(message: string): void };

export type ProviderDeps = {
  /** `plugins.entries.inferrs.config` as given at registration. */
  pluginConfig: unknown;
  supervisor: Supervisor;
  logger: Logger;
  emitStatus?: RequestDeps["emitStatus"];
};

export function configLoader(pluginConfig: unknown): (hostConfig: unknown) => Promise<ResolvedConfig> {
  return (hostConfig) => resolveConfigLazily(entryConfig(hostConfig, pluginConfig));
}

export function createProvider(deps: ProviderDeps): ProviderPlugin {
  const loadConfig = configLoader(deps.pluginConfig);
  const wrap = createStreamWrapper({
    supervisor: deps.supervisor,
    loadConfig,
    emitStatus: deps.emitStatus,
    defaultStreamFn: async () => {
      const llm = (await import("openclaw/plugin-sdk/llm")) as { streamSimple: StreamFn };
      return llm.streamSimple;
    },
  });
  type ModelContext = { provider: string; modelId: string; config?: unknown };
  const modelFor = (modelId: string, config: ResolvedConfig) => {
    const problem = modelIdProblem(modelId, config);
    if (problem) throw new Error(problem);
    return runtimeModelFor(modelId, config, hubCacheDir());
  };
  // Sync hook: undefined until the config validator is loaded; the host then calls
  // prepareDynamicModel, which loads it, and asks again.
  const dynamicModel = (ctx: ModelContext) => {
    const config = ctx.provider === PROVIDER_ID ? resolveConfigIfLoaded(entryConfig(ctx.config, deps.pluginConfig)) : undefined;
    return config && modelFor(ctx.modelId, config);
  };
  const prepareDynamicModel = async (ctx: ModelContext) =>
    ctx.provider === PROVIDER_ID ? modelFor(ctx.modelId, await loadConfig(ctx.config)) : undefined;

  return {
    id: PROVIDER_ID,
    label: PROVIDER_LABEL,
    envVars: [API_KEY_ENV_VAR],
    auth: [createOnboardingAuthMethod()],
    catalog: {
      order: "late",
      run: async (ctx) => {
        const config = await loadConfig(ctx.config);
        const discovery = await discoverModels(config, ctx.env, ctx.signal);
        for (const warning of discovery.warnings) deps.logger.warn(`inferrs: ${warning}`);
        return { provider: { baseUrl: config.baseUrl, api: API, models: discovery.models } };
      },
    },
    resolveDynamicModel: dynamicModel,
    prepareDynamicModel,
    // inferrs has no auth: a non-secret marker satisfies the host (a configured apiKey wins; an
    // INFERRS_API_KEY or stored profile wins over this). Agent turns ask for it only because the
    // manifest says `setup.requiresRuntime: false`.
    resolveSyntheticAuth: (ctx) =>
      syntheticAuth(
        (entryConfig(ctx.config, deps.pluginConfig) as { apiKey?: unknown } | undefined)?.apiKey,
        LOCAL_AUTH_MARKER,
        "inferrs plugin (inferrs needs no API key)",
      ),
    wrapStreamFn: wrap,
    wrapSimpleCompletionStreamFn: wrap,
    classifyFailoverReason, // the plugin's failed requests fail the run (src/request/host-retry.ts)
  };
}
