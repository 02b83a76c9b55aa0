// What llmman onboarding finds at a base URL, never loading anything: is the daemon up (and which
// version), which chat models it stores, which are loaded, and each one's context window; with the
// daemon down, what its store holds. And the model onboarding proposes.
import { currentPluginConfig } from "../../onboarding/config-patch.ts";
import { resolveConfig } from "../../config/resolve.ts";
import { LlmmanApiError } from "../api.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { probeVersion } from "../daemon/version.ts";
import { discoverLlmmanModels, startable } from "../discovery/catalog.ts";
import { runningContexts } from "../discovery/daemon.ts";
import { apiTarget } from "../discovery/facts.ts";
import { storeDir } from "../discovery/store.ts";
import { modelIdProblem, parseModelRef } from "../model-id.ts";

export type SurveyedModel = { id: string; contextWindow: number; loaded: boolean };

export type LlmmanSurvey = {
  config: ResolvedLlmmanConfig;
  /** undefined: the daemon is down (the reason is `failure`). */
  version: string | null | undefined;
  failure: string | undefined;
  models: SurveyedModel[];
  storeDir: string;
};

/** The plugin config in the host config with `llmman.baseUrl` replaced when given, validated. Throws ConfigError. */
export function llmmanPluginConfigWith(hostConfig: unknown, baseUrl: string | undefined): Record<string, unknown> {
  const existing = currentPluginConfig(hostConfig);
  const llmman = { ...((existing.llmman as Record<string, unknown> | undefined) ?? {}), ...(baseUrl ? { baseUrl } : {}) };
  const resolved = resolveConfig({ ...existing, llmman }).llmman;
  return { ...existing, llmman: { ...llmman, baseUrl: resolved.baseUrl } };
}

export async function surveyLlmman(pluginConfig: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<LlmmanSurvey> {
  const config = resolveConfig(pluginConfig).llmman;
  const answer = await probeVersion(config.origin);
  const discovery = await discoverLlmmanModels(config, env, { configured: true });
  let loaded = new Set<string>();
  if (discovery.reachable) {
    loaded = new Set((await runningContexts(apiTarget(config, env)).catch(ignoreApiError)).keys());
  }
  return {
    config,
    version: answer.kind === "up" ? (answer.version ?? null) : undefined,
    failure: answer.kind === "down" ? answer.reason : answer.kind === "not-llmman" ? `HTTP ${answer.status} from /api/version` : undefined,
    models: discovery.models.map((model) => ({ id: model.id, contextWindow: model.contextWindow, loaded: loaded.has(model.id) })),
    storeDir: storeDir(config, env),
  };
}

function ignoreApiError(error: unknown): Map<string, number | null> {
  if (error instanceof LlmmanApiError) return new Map();
  throw error;
}

/** The canonical ref of a model the user names (`--llmman-model`), or why it cannot be the default. */
export function chosenRef(id: string): { ref: string } | { problem: string } {
  const problem = modelIdProblem(id);
  if (problem) return { problem };
  const parsed = parseModelRef(id);
  if (parsed.kind !== "local") return { problem: `${JSON.stringify(id)} is a hybrid or hosted-provider ref; onboarding sets up a model llmman stores` };
  return { ref: parsed.ref };
}

/**
 * A loaded model, else the first stored chat model. With the daemon down the store's index does not
 * say which models only embed, so one named like an embedding model is not proposed.
 */
export function proposedModel(survey: LlmmanSurvey): string | undefined {
  const chat = survey.models.filter((model) => !/embed/i.test(model.id));
  return (chat.find((model) => model.loaded) ?? chat[0])?.id;
}

/** One line per fact, for the CLI log and the wizard note. */
export function describeSurvey(survey: LlmmanSurvey): string[] {
  const { config } = survey;
  const daemon =
    survey.version !== undefined
      ? `llmman ${survey.version ?? "(version unknown)"} is up at ${config.origin}.`
      : `No llmman answers at ${config.origin} (${survey.failure}). ` +
        (startable(config) ? "OpenClaw starts `llmman serve` on demand." : "Start `llmman serve` there yourself.");
  const where = survey.version !== undefined ? "Stored chat models" : `Models in llmman's store (${survey.storeDir})`;
  const models = survey.models.length
    ? `${where}: ${survey.models.map((model) => `${model.id} (context ${model.contextWindow}${model.loaded ? ", loaded" : ""})`).join(", ")}.`
    : `${where}: none.`;
  return [daemon, models];
}

/** Said when there is nothing to choose from, with the ways to get a model. */
export function noModelMessage(survey: LlmmanSurvey): string {
  return (
    `No llmman chat model to use: llmman at ${survey.config.origin} ${survey.version !== undefined ? "stores none" : `is not running and its store ${survey.storeDir} holds none`}. ` +
    "Name one with --llmman-model (for example `--llmman-model qwen3.5:0.8b`: OpenClaw pulls it), " +
    "or download one with `llmman pull qwen3.5:0.8b`, then run this again."
  );
}
