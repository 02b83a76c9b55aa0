// Plugin entry: wires the provider, the shared inferrs supervisor, its lifecycle and the CLI.
import { registerInferrsCli } from "./cli/register.ts";
import { pluginConfigSchema } from "./config/plugin-schema.ts";
import { ConfigError, resolveConfig } from "./config/resolve.ts";
import { PROVIDER_ID } from "./defaults.ts";
import { createEmbeddingAdapter } from "./embeddings/provider.ts";
import type { OpenClawPluginApi } from "./host-types.ts";
import { configLoader, createProvider } from "./provider.ts";
import { stateDir } from "./service/pid-record.ts";
import { sharedSupervisor, type Supervisor } from "./service/supervisor.ts";

export default {
  id: PROVIDER_ID,
  name: "inferrs",
  description: "inferrs local LLM server: live model discovery, compat flags, on-demand start and memory-search embeddings",
  configSchema: pluginConfigSchema,
  register(api: OpenClawPluginApi) {
    registerInferrsCli(api);
    // `openclaw --help` and command parsing load plugins for their CLI only; the runtime is off limits.
    if (api.registrationMode === "cli-metadata") return;
    reportInvalidConfig(api);
    const supervisor = sharedSupervisor({ env: process.env, stateDir: stateDir() });
    supervisor.logger ??= api.logger;
    const detach = supervisor.attach();
    api.lifecycle.onDispose?.(detach);
    api.on("gateway_start", (_event, ctx) => preload(api, supervisor, (ctx as { config?: unknown } | undefined)?.config));
    api.on("gateway_stop", () => supervisor.stop());
    api.registerProvider(
      createProvider({
        pluginConfig: api.pluginConfig,
        supervisor,
        logger: api.logger,
        emitStatus: (runId, progress) => api.agent?.events?.emitAgentEvent({ runId, stream: "inferrs.status", data: progress }),
      }),
    );
    // Memory search (`memory.search.provider: "inferrs"`); a no-op in modes without capabilities.
    api.registerEmbeddingProvider(createEmbeddingAdapter({ pluginConfig: api.pluginConfig, supervisor }));
  },
};

/** Starts `service.preload` in the background when the gateway starts (never in one-shot CLIs). */
function preload(api: OpenClawPluginApi, supervisor: Supervisor, hostConfig: unknown): void {
  try {
    supervisor.preload(configLoader(api.pluginConfig)(hostConfig));
  } catch (error) {
    if (error instanceof ConfigError) api.logger.error(error.message);
    else throw error;
  }
}

/** Said once at load; every hook that needs the config fails with the same message. */
function reportInvalidConfig(api: OpenClawPluginApi): void {
  try {
    resolveConfig(api.pluginConfig);
  } catch (error) {
    if (error instanceof ConfigError) api.logger.error(error.message);
    else throw error;
  }
}
