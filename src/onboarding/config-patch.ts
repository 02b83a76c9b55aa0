// The config onboarding writes, for either backend: the plugin's config and, when chosen, the
// default agent model.
import type { OpenClawConfig } from "../host-types.ts";

/** The plugin's id: its config is `plugins.entries.inferrs.config`, whichever provider onboards. */
const PLUGIN_ID = "inferrs";

/** `plugins.entries.inferrs` enabled with the given plugin config, as a patch or merged into `config`. */
export function withPluginConfig(config: OpenClawConfig, pluginConfig: Record<string, unknown>): OpenClawConfig {
  const entries = config.plugins?.entries ?? {};
  return {
    ...config,
    plugins: {
      ...config.plugins,
      entries: { ...entries, [PLUGIN_ID]: { ...entries[PLUGIN_ID], enabled: true, config: pluginConfig } },
    },
  };
}

/** The plugin config as the host config has it now (an object, possibly empty). */
export function currentPluginConfig(hostConfig: unknown): Record<string, unknown> {
  const entries = (hostConfig as { plugins?: { entries?: Record<string, { config?: unknown }> } })?.plugins?.entries;
  const current = entries?.[PLUGIN_ID]?.config;
  return current && typeof current === "object" ? (current as Record<string, unknown>) : {};
}

/** `agents.defaults.model.primary` = `ref` (`<provider>/<model>`), keeping any fallbacks. */
export function withDefaultModel(config: OpenClawConfig, ref: string): OpenClawConfig {
  const current = config.agents?.defaults?.model;
  const fallbacks = current && typeof current === "object" ? current.fallbacks : undefined;
  return {
    ...config,
    agents: {
      ...config.agents,
      defaults: {
        ...config.agents?.defaults,
        model: { ...(fallbacks ? { fallbacks } : {}), primary: ref },
      },
    },
  };
}
