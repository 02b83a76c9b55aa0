// resolve.ts evaluates TypeBox (tens of ms): OpenClaw imports the plugin in every command, so the
// config module is loaded where the config is first needed, not at plugin import.
import type { ResolvedConfig } from "./resolve.ts";

type ConfigModule = typeof import("./resolve.ts");

/** The plugin's id: its config is `plugins.entries.inferrs.config`, whichever provider reads it. */
const PLUGIN_ID = "inferrs";

let loaded: ConfigModule | undefined;
let loading: Promise<ConfigModule> | undefined;

function loadConfigModule(): Promise<ConfigModule> {
  return (loading ??= import("./resolve.ts").then((module) => (loaded = module)));
}

/** Validates and resolves the plugin config (throws ConfigError), loading the validator first. */
export async function resolveConfigLazily(raw: unknown): Promise<ResolvedConfig> {
  return (await loadConfigModule()).resolveConfig(raw);
}

/**
 * For synchronous host hooks: the resolved config, or undefined while the validator is not loaded
 * yet (the load is started then; the hook's async twin awaits it).
 */
export function resolveConfigIfLoaded(raw: unknown): ResolvedConfig | undefined {
  if (!loaded) {
    void loadConfigModule();
    return undefined;
  }
  return loaded.resolveConfig(raw);
}

/** Hooks get the live host config: read the plugin's entry from it so edits apply without a restart. */
export function entryConfig(hostConfig: unknown, pluginConfig: unknown): unknown {
  const entries = (hostConfig as { plugins?: { entries?: Record<string, { config?: unknown }> } })?.plugins?.entries;
  return entries?.[PLUGIN_ID]?.config ?? pluginConfig;
}
