// The config onboarding writes: the plugin's base URL and, when chosen, the default agent model.
import { PROVIDER_ID } from "../defaults.ts";
import type { OpenClawConfig } from "../../host-types.ts";

/** `plugins.entries.inferrs` enabled with the given plugin config, as a patch or merged into `config`. */
export function withPluginConfig(config: OpenClawConfig, pluginConfig: Record<string, unknown>): OpenClawConfig {
  const entries = config.plugins?.entries ?? {};
  return {
    ...config,
    plugins: {
      ...config.plugins,
      entries: { ...entries, [PROVIDER_ID]: { ...entries[PROVIDER_ID], enabled: true, config: pluginConfig } },
    },
  };
}

/** `agents.defaults.model.primary` = inferrs/<modelId>, keeping any fallbacks. */
export function withDefaultModel(config: OpenClawConfig, modelId: string): OpenClawConfig {
  const current = config.agents?.defaults?.model;
  const fallbacks = current && typeof current === "object" ? current.fallbacks : undefined;
  return {
    ...config,
    agents: {
      ...config.agents,
      defaults: {
        ...config.agents?.defaults,
        model: { ...(fallbacks ? { fallbacks } : {}), primary: modelRef(modelId) },
      },
    },
  };
}

export function modelRef(modelId: string): string {
  return `${PROVIDER_ID}/${modelId}`;
}
