// Plugin entry: wires the two providers (inferrs, llmman), their shared supervisors (inferrs
// servers, llmman daemons), their lifecycle and the CLI.
// OpenClaw imports it in every command: importing it and register() evaluate none of the plugin's
// libraries (TypeBox, undici, execa, p-retry); each is loaded where it is first needed.
import manifest from "../openclaw.plugin.json" with { type: "json" };
import { registerInferrsCli } from "./inferrs/cli/register.ts";
import { registerLlmmanCli } from "./llmman/cli/register.ts";
import { ConfigError } from "./config/config-error.ts";
import { PROVIDER_ID } from "./inferrs/defaults.ts";
import { createEmbeddingAdapter } from "./inferrs/embeddings/provider.ts";
import type { OpenClawPluginApi } from "./host-types.ts";
import { configLoader, createProvider } from "./inferrs/provider.ts";
import { stateDir } from "./service/pid-record.ts";
import { sharedSupervisor, type Supervisor } from "./inferrs/pool/supervisor.ts";
import { sharedLlmmanDaemons } from "./llmman/daemon/supervisor.ts";
import { createLlmmanEmbeddingAdapter } from "./llmman/embeddings/provider.ts";
import { createLlmmanProvider } from "./llmman/provider.ts";

type AgentEvent = Parameters<NonNullable<NonNullable<OpenClawPluginApi["agent"]>["events"]>["emitAgentEvent"]>[0];

export default {
  id: PROVIDER_ID,
  name: "inferrs",
  description:
    "inferrs and llmman local LLM servers: live model discovery, compat flags, on-demand start and memory-search embeddings",
  // The TypeBox schema as JSON Schema, written into the manifest by `npm run manifest`.
  configSchema: { jsonSchema: manifest.configSchema },
  register(api: OpenClawPluginApi) {
    registerInferrsCli(api);
    registerLlmmanCli(api);
    // `openclaw --help` and command parsing load plugins for their CLI only; the runtime is off limits.
    if (api.registrationMode === "cli-metadata") return;
    const supervisor = sharedSupervisor({ env: process.env, stateDir: stateDir() });
    supervisor.logger ??= api.logger;
    const daemons = sharedLlmmanDaemons({ env: process.env, stateDir: stateDir(), logger: api.logger });
    const detach = supervisor.attach();
    const detachDaemons = daemons.attach();
    api.lifecycle.onDispose?.(() => {
      detach();
      void detachDaemons();
    });
    api.on("gateway_start", (_event, ctx) => onGatewayStart(api, supervisor, (ctx as { config?: unknown } | undefined)?.config));
    api.on("gateway_stop", () => Promise.all([supervisor.stop(), daemons.stop()]).then(() => undefined));
    const emitStatus = (runId: string, data: object) =>
      api.agent?.events?.emitAgentEvent({ runId, stream: "inferrs.status", data: data as unknown as AgentEvent["data"] });
    api.registerProvider(createProvider({ pluginConfig: api.pluginConfig, supervisor, logger: api.logger, emitStatus }));
    api.registerProvider(createLlmmanProvider({ pluginConfig: api.pluginConfig, daemons, logger: api.logger, emitStatus }));
    // Memory search (`memory.search.provider: "inferrs"` or "llmman"); a no-op in modes without capabilities.
    api.registerEmbeddingProvider(createEmbeddingAdapter({ pluginConfig: api.pluginConfig, supervisor }));
    api.registerEmbeddingProvider(createLlmmanEmbeddingAdapter({ pluginConfig: api.pluginConfig, daemons, logger: api.logger, env: process.env }));
  },
};

/**
 * Gateway start: an invalid config is said once (every hook that needs the config fails with the
 * same message), else `service.preload` starts in the background (never in one-shot CLIs).
 */
async function onGatewayStart(api: OpenClawPluginApi, supervisor: Supervisor, hostConfig: unknown): Promise<void> {
  try {
    supervisor.preload(await configLoader(api.pluginConfig)(hostConfig));
  } catch (error) {
    if (error instanceof ConfigError) api.logger.error(error.message);
    else throw error;
  }
}
