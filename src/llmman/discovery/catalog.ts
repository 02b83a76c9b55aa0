// Live llmman discovery, never loading anything: what the daemon lists, each model's capabilities
// and context, minus embedding-only models; with the daemon down and on-demand start possible,
// what its store holds. Plus every model named in the plugin config.
import { LlmmanApiError } from "../api.ts";
import { LLMMAN_CONFIG_PATH } from "../../config/config-error.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { parseModelRef, storedRefOf } from "../model-id.ts";
import { listModels, runningContexts, type ShownModel } from "./daemon.ts";
import { userRunsDaemon } from "./ceiling.ts";
import { apiTarget, rememberFacts } from "./facts.ts";
import { llmmanModelEntry, type LlmmanModelEntry, type ModelFacts } from "./model-entry.ts";
import { shownModels, storedDigests } from "./shown.ts";
import { listStoredModels, storeDir } from "./store.ts";
import { rememberListing } from "../request/stored.ts";

export type LlmmanDiscovery = {
  models: LlmmanModelEntry[];
  /** One line each, for the log: what went wrong and how to fix it. */
  warnings: string[];
  reachable: boolean;
};

export type DiscoveryOptions = {
  /** The plugin config has an `llmman` section: the user means to use llmman. */
  configured: boolean;
  signal?: AbortSignal;
};

/** Daemon started on demand when a llmman model is selected (the daemon supervisor decides the rest). */
export function startable(config: ResolvedLlmmanConfig): boolean {
  return config.service.autoStart !== false && config.loopback;
}

export async function discoverLlmmanModels(config: ResolvedLlmmanConfig, env: NodeJS.ProcessEnv, options: DiscoveryOptions): Promise<LlmmanDiscovery> {
  const target = apiTarget(config, env);
  const warnings: string[] = [];
  const facts = new Map<string, ModelFacts>();
  let ids: string[];
  let reachable = false;
  try {
    const [listed, running, userDaemon, digests] = await Promise.all([
      listModels(target, options.signal),
      runningContexts(target, options.signal),
      userRunsDaemon(config, env),
      storedDigests(target, options.signal),
    ]);
    reachable = true;
    rememberListing(config.origin, listed.models);
    warnings.push(...listed.warnings);
    const shown = await shownModels(target, listed.models.map((model) => model.id), digests, options.signal);
    ids = [];
    listed.models.forEach((model, i) => {
      const show = shown[i];
      // An embedding-only model (capabilities without "completion") is no chat model.
      if (show?.capabilities && !show.capabilities.includes("completion")) return;
      const live = running.get(model.id) ?? undefined;
      const known = factsOf(show, live, userDaemon);
      facts.set(model.id, known);
      rememberFacts(config.origin, model.id, known);
      ids.push(model.id);
    });
  } catch (error) {
    if (!(error instanceof LlmmanApiError)) throw error;
    const dir = storeDir(config, env);
    const stored = startable(config) ? listStoredModels(dir).filter((model) => !model.embedding) : [];
    // The daemon the plugin starts for them gets its LLMMAN_CONTEXT_LENGTH.
    for (const model of stored) facts.set(model.id, { vision: model.vision, trainedContext: model.trainedContext, userDaemon: false });
    ids = stored.map((model) => model.id);
    // Someone who does not use llmman (no llmman section, no store) hears nothing of it.
    if (error.kind !== "unreachable" || options.configured || stored.length) warnings.push(`${error.message}. ${offlineHint(config, stored.length, dir)}`);
  }
  const listed = new Set(ids);
  const configured = Object.keys(config.models).filter((id) => !listed.has(id));
  const entries = [...ids, ...configured].map((id) => {
    const ref = storedRefOf(parseModelRef(id));
    return llmmanModelEntry(id, ref === undefined ? undefined : facts.get(ref), config);
  });
  return { models: entries, warnings, reachable };
}

function factsOf(show: ShownModel | undefined, liveContext: number | undefined, userDaemon: boolean): ModelFacts {
  return {
    vision: show?.capabilities?.includes("vision") === true,
    thinking: show?.thinking === true,
    trainedContext: show?.trainedContext,
    liveContext,
    userDaemon,
  };
}

function offlineHint(config: ResolvedLlmmanConfig, stored: number, dir: string): string {
  if (!startable(config)) {
    return `Start \`llmman serve\` there (with LLMMAN_HOST=${config.host}:${config.port}), or point ${LLMMAN_CONFIG_PATH}.baseUrl at a running daemon.`;
  }
  return `Listing the ${stored} models in llmman's store (${dir}); select one and OpenClaw starts \`llmman serve\` for it.`;
}
