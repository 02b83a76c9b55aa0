// Plugin entry: wires the provider, the shared inferrs supervisor, its lifecycle and the CLI.
// OpenClaw imports it in every command: importing it and register() evaluate none of the plugin's
// libraries (TypeBox, undici, execa, p-retry); each is loaded where it is first needed.
import manifest from "../openclaw.plugin.json" with { type: "json" };
import { registerStatusCli } from "./cli/register.ts";
import { ConfigError } from "./config/config-error.ts";
import { PROVIDER_ID } from "./defaults.ts";
import type { OpenClawPluginApi } from "./host-types.ts";
import { configLoader, createProvider } from "./provider.ts";
import { stateDir } from "./service/pid-record.ts";
import { sharedSupervisor } from "./service/supervisor.ts";

export default {
  id: PROVIDER_ID,
  name: "inferrs",
  description: "inferrs local LLM server: live model discovery, compat flags and on-demand start",
  // The TypeBox schema as JSON Schema, written into the manifest by `npm run manifest`.
  configSchema: { jsonSchema: manifest.configSchema },
  register(api: OpenClawPluginApi) {
    registerStatusCli(api);
    // `openclaw --help` and command parsing load plugins for their CLI only; the runtime is off limits.
    if (api.registrationMode === "cli-metadata") return;
    const supervisor = sharedSupervisor({ env: process.env, stateDir: stateDir() });
    const detach = supervisor.attach();
    api.lifecycle.onDispose?.(detach);
    api.on("gateway_start", () => reportInvalidConfig(api));
    api.on("gateway_stop", () => supervisor.stop());
    api.registerProvider(createProvider({ pluginConfig: api.pluginConfig, supervisor, logger: api.logger }));
  },
};

/** Said once when the gateway starts; every hook that needs the config fails with the same message. */
async function reportInvalidConfig(api: OpenClawPluginApi): Promise<void> {
  try {
    await configLoader(api.pluginConfig)(undefined);
  } catch (error) {
    if (error instanceof ConfigError) api.logger.error(error.message);
    else throw error;
  }
}
