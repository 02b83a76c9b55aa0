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
  return resolveKnown(await loadConfigModule(), raw);
}

/**
 * Every request reads the live host config; the same plugin config is validated once. Keyed by its
 * JSON (a config file's values are JSON); a few keys, as the backends may see differing spellings.
 */
const resolved = new Map<string, ResolvedConfig>();
const MAX_REMEMBERED = 8;

function resolveKnown(module: ConfigModule, raw: unknown): ResolvedConfig {
  let key: string;
  try {
    key = JSON.stringify(raw ?? null);
  } catch {
    return module.resolveConfig(raw); // not JSON (a cycle): the schema check says what is wrong
  }
  const known = resolved.get(key);
  if (known) return known;
  const config = module.resolveConfig(raw);
  if (resolved.size >= MAX_REMEMBERED) resolved.delete(resolved.keys().next().value!);
  resolved.set(key, config);
  return config;
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
  return resolveKnown(loaded, raw);
}

/** Hooks get the live host config: read the plugin's entry from it so edits apply without a restart. */
export function entryConfig(hostConfig: unknown, pluginConfig: unknown): unknown {
  const entries = (hostConfig as { plugins?: { entries?: Record<string, { config?: unknown }> } })?.plugins?.entries;
  return entries?.[PLUGIN_ID]?.config ?? pluginConfig;
}
