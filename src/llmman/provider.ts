// The `llmman` provider: live catalog (never loading a model), dynamic models for any llmman id,
// the `llmman` placeholder as the bearer, and the request path through the shared daemon.
import { entryConfig, resolveConfigIfLoaded, resolveConfigLazily } from "../config/load.ts";
import type { ProviderPlugin, StreamFn } from "../host-types.ts";
import type { ResolvedLlmmanConfig } from "./config.ts";
import type { LlmmanDaemons } from "./daemon/supervisor.ts";
import { LLMMAN_API_KEY_ENV_VAR, LLMMAN_AUTH_PLACEHOLDER, LLMMAN_PROVIDER_ID, LLMMAN_PROVIDER_LABEL } from "./defaults.ts";
import { discoverLlmmanModels } from "./discovery/catalog.ts";
import { knownFacts, lookUpFacts } from "./discovery/facts.ts";
import { llmmanRuntimeModel } from "./discovery/model-entry.ts";
import { blockIdFor, handWrittenBlock, withBlockBaseUrl } from "./hand-written.ts";
import { modelIdProblem } from "./model-id.ts";
import { syntheticAuth } from "../synthetic-auth.ts";
import { classifyFailoverReason } from "../request/host-retry.ts";
import { createLlmmanAuthMethod } from "./onboarding/auth-method.ts";
import { createLlmmanStreamWrapper, type LlmmanRequestDeps } from "./request/stream.ts";

export type LlmmanProviderDeps = {
  /** `plugins.entries.inferrs.config` as given at registration. */
  pluginConfig: unknown;
  daemons: Pick<LlmmanDaemons, "acquire" | "stopDaemon">;
  logger: { info(message: string): void; warn(message: string): void };
  emitStatus?: LlmmanRequestDeps["emitStatus"];
};

/** The llmman config of a request: `hostManaged` when OpenClaw's own localService runs the daemon. */
export type LlmmanRequestConfig = ResolvedLlmmanConfig & { hostManaged: boolean };

export function llmmanConfigLoader(pluginConfig: unknown): (hostConfig: unknown) => Promise<LlmmanRequestConfig> {
  return async (hostConfig) => {
    const block = handWrittenBlock(hostConfig);
    const resolved = await resolveConfigLazily(withBlockBaseUrl(entryConfig(hostConfig, pluginConfig), block));
    return { ...resolved.llmman, hostManaged: block?.localService === true };
  };
}

export function createLlmmanProvider(deps: LlmmanProviderDeps): ProviderPlugin {
  const loadConfig = llmmanConfigLoader(deps.pluginConfig);
  const wrap = createLlmmanStreamWrapper({
    daemons: deps.daemons,
    loadConfig,
    logger: deps.logger,
    emitStatus: deps.emitStatus,
    env: process.env,
    defaultStreamFn: async () => ((await import("openclaw/plugin-sdk/llm")) as { streamSimple: StreamFn }).streamSimple,
  });
  type ModelContext = { provider: string; modelId: string; config?: unknown };
  const checked = (modelId: string) => {
    const problem = modelIdProblem(modelId);
    if (problem) throw new Error(problem);
  };
  return {
    id: LLMMAN_PROVIDER_ID,
    label: LLMMAN_PROVIDER_LABEL,
    envVars: [LLMMAN_API_KEY_ENV_VAR],
    auth: [createLlmmanAuthMethod({ daemons: deps.daemons })],
    catalog: {
      order: "late",
      run: async (ctx) => {
        const entry = entryConfig(ctx.config, deps.pluginConfig);
        const config = await loadConfig(ctx.config);
        const configured = typeof entry === "object" && entry !== null && "llmman" in entry;
        const discovery = await discoverLlmmanModels(config, ctx.env, { configured, signal: ctx.signal });
        for (const warning of discovery.warnings) deps.logger.warn(`llmman: ${warning}`);
        const block = handWrittenBlock(ctx.config);
        const models = discovery.models.map((model) => ({ ...model, id: blockIdFor(model.id, block) }));
        return { provider: { baseUrl: config.baseUrl, api: "openai-completions", models } };
      },
    },
    // Sync hook: undefined until the config validator is loaded; the host then calls
    // prepareDynamicModel, which loads it (and looks the model up), and asks again.
    resolveDynamicModel: (ctx: ModelContext) => {
      if (ctx.provider !== LLMMAN_PROVIDER_ID) return undefined;
      const config = resolveConfigIfLoaded(withBlockBaseUrl(entryConfig(ctx.config, deps.pluginConfig), handWrittenBlock(ctx.config)))?.llmman;
      if (!config) return undefined;
      checked(ctx.modelId);
      return llmmanRuntimeModel(ctx.modelId, knownFacts(config, ctx.modelId), config);
    },
    prepareDynamicModel: async (ctx: ModelContext) => {
      if (ctx.provider !== LLMMAN_PROVIDER_ID) return undefined;
      const config = await loadConfig(ctx.config);
      checked(ctx.modelId);
      return llmmanRuntimeModel(ctx.modelId, await lookUpFacts(config, process.env, ctx.modelId), config);
    },
    // llmman needs no key: its placeholder `llmman` makes the daemon use its own hosted-provider keys
    // for hybrid refs (any other bearer would be forwarded as that provider's key). A configured
    // apiKey wins; LLMMAN_API_KEY or a stored profile wins over this.
    resolveSyntheticAuth: (ctx) =>
      syntheticAuth(
        (entryConfig(ctx.config, deps.pluginConfig) as { llmman?: { apiKey?: unknown } } | undefined)?.llmman?.apiKey,
        LLMMAN_AUTH_PLACEHOLDER,
        "inferrs plugin (llmman needs no API key)",
      ),
    wrapStreamFn: wrap,
    wrapSimpleCompletionStreamFn: wrap,
    classifyFailoverReason, // the plugin's failed requests fail the run (src/request/host-retry.ts)
  };
}
