// What onboarding finds at a base URL: is inferrs up, which model does it serve, which models
// could be the default (listed by the server, else cached locally, plus configured ones).
import { printable } from "../../cli/printable.ts";
import { CONFIG_PATH, resolveConfig, type ResolvedConfig } from "../../config/resolve.ts";
import { currentPluginConfig } from "../../onboarding/config-patch.ts";
import { discoverModels } from "../discovery/catalog.ts";
import { hubCacheDir } from "../discovery/hf-cache.ts";

export type Survey = {
  config: ResolvedConfig;
  reachable: boolean;
  /** Why the server did not answer. */
  failure: string | undefined;
  served: string | undefined;
  modelIds: string[];
};

/** The plugin config in the host config, with `baseUrl` replaced when given. Throws ConfigError. */
export function pluginConfigWith(hostConfig: unknown, baseUrl: string | undefined): Record<string, unknown> {
  const existing = currentPluginConfig(hostConfig);
  const next = { ...existing, ...(baseUrl ? { baseUrl } : {}) };
  // Validated and normalised (no trailing slash) the same way every hook reads it.
  return { ...next, baseUrl: resolveConfig(next).baseUrl };
}

export async function surveyServer(pluginConfig: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Survey> {
  const config = resolveConfig(pluginConfig);
  const discovery = await discoverModels(config, env);
  return {
    config,
    reachable: discovery.reachable,
    failure: discovery.failure,
    served: discovery.served,
    modelIds: discovery.models.map((model) => model.id),
  };
}

/**
 * The model onboarding proposes: the one the server serves, else the first one found that is not
 * an embedding model (memory search's, which cannot chat), else the first one.
 */
export function proposedModel(survey: Survey): string | undefined {
  if (survey.served && survey.modelIds.includes(survey.served)) return survey.served;
  return survey.modelIds.find((id) => !/embedding/i.test(id)) ?? survey.modelIds[0];
}

/** Models named in the survey's description; the rest are counted. */
export const SHOWN_MODELS = 10;

/** One line per fact, for the CLI log and the wizard note. */
export function describeSurvey(survey: Survey): string[] {
  const { config } = survey;
  const server = survey.reachable
    ? `inferrs at ${config.baseUrl} is up${survey.served ? ` and serves ${printable(survey.served)}` : ""}.`
    : `No inferrs answers: ${survey.failure}. ` +
      (config.service.autoStart === false
        ? "Start it yourself (service.autoStart is false)."
        : "OpenClaw starts it on demand for the selected model.");
  const ids = survey.modelIds;
  const more = ids.length - SHOWN_MODELS;
  const shown = ids.slice(0, SHOWN_MODELS).map(printable).join(", ");
  const models = ids.length
    ? `${survey.reachable ? "Models listed" : "Models in the Hugging Face cache"}: ${shown}` +
      (more > 0 ? ` and ${more} more.` : ".")
    : "Models: none.";
  return [server, models];
}

/** Said when there is nothing to choose from, with the ways to get a model. */
export function noModelMessage(survey: Survey, env: NodeJS.ProcessEnv): string {
  const where = survey.reachable
    ? `inferrs at ${survey.config.baseUrl} lists no models`
    : `inferrs is not running at ${survey.config.baseUrl}`;
  return (
    `No inferrs model to use: ${where} and the Hugging Face cache ${hubCacheDir(env)} is empty. ` +
    `Download one with \`inferrs pull <org/model>\` (for example \`inferrs pull google/gemma-4-E2B-it\`), ` +
    `or name it under ${CONFIG_PATH}.models, then run this again.`
  );
}
