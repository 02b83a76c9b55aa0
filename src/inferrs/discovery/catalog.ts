// Live model discovery: what inferrs lists, else what it could serve (the local Hugging Face
// cache), plus every model named in the plugin config — each turned into a full model entry.
import type { ResolvedConfig } from "../../config/resolve.ts";
import { isListableModelId, modelIdProblem, skippedIds } from "../model-id.ts";
import { hubCacheDir, listCachedModelIds } from "./hf-cache.ts";
import { modelEntryFor, type ModelEntry } from "./model-entry.ts";
import { DiscoveryError, fetchServerModels } from "./server-models.ts";

export type Discovery = {
  models: ModelEntry[];
  /** One line each, for the log: what went wrong and how to fix it. */
  warnings: string[];
  /** The server answered GET /v1/models. */
  reachable: boolean;
  /** Why it did not (e.g. `cannot reach inferrs at … (connection refused)`). */
  failure: string | undefined;
  /** The model the server marks as loaded, if it answered and marks one. */
  served: string | undefined;
};

export async function discoverModels(
  config: ResolvedConfig,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<Discovery> {
  const hubDir = hubCacheDir(env);
  // One listing of the cache per discovery: config.json is read only for the ids found in it.
  const cachedIds = listCachedModelIds(hubDir);
  const cached = new Set(cachedIds);
  const warnings: string[] = [];
  let ids: string[];
  let reachable = false;
  let served: string | undefined;
  let failure: string | undefined;
  try {
    const listed = await fetchServerModels(
      { baseUrl: config.baseUrl, apiKey: config.apiKey, timeoutMs: config.discoveryTimeoutMs },
      signal,
    );
    ids = listed.ids;
    served = listed.loaded;
    warnings.push(...listed.warnings);
    reachable = true;
  } catch (error) {
    if (!(error instanceof DiscoveryError)) throw error;
    ids = cachedIds;
    failure = error.message;
    warnings.push(`${error.message}. ${offlineHint(config, ids.length, hubDir)}`);
  }
  const listable = ids.filter(isListableModelId);
  const listed = new Set(listable);
  const [configured, refused] = partition(Object.keys(config.models), (id) => !modelIdProblem(id, config));
  const skipped = ids.length - listable.length + refused.length;
  if (skipped) warnings.push(skippedIds(skipped));
  const entries = [...listable, ...configured.filter((id) => !listed.has(id))];
  const models = entries.map((id) => modelEntryFor(id, config, hubDir, cached));
  if (models.length === 0) {
    warnings.push(
      `No inferrs models found: the server lists none and the Hugging Face cache ${hubDir} is empty. ` +
        `Download one with \`inferrs pull <org/model>\` or name it under plugins.entries.inferrs.config.models.`,
    );
  }
  return { models, warnings, reachable, failure, served };
}

function offlineHint(config: ResolvedConfig, cached: number, hubDir: string): string {
  const start = `inferrs serve <model> --host ${config.host} --port ${config.port}`;
  const onDemand = config.service.autoStart === false ? "" : " or select one and OpenClaw starts inferrs for it";
  return `Listing the ${cached} models in the Hugging Face cache (${hubDir}) and the configured ones; start \`${start}\`${onDemand}.`;
}

function partition<T>(items: T[], keep: (item: T) => boolean): [T[], T[]] {
  const kept: T[] = [];
  const dropped: T[] = [];
  for (const item of items) (keep(item) ? kept : dropped).push(item);
  return [kept, dropped];
}
