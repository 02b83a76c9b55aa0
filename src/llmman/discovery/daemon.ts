// What a running llmman says about its models, without loading any: GET /v1/models (stored ids,
// loaded or not), GET /api/ps (the live context of loaded ones) and POST /api/show (capabilities,
// the GGUF header's trained context). Every body is parsed defensively.
import { llmmanJson, type ApiTarget } from "../api.ts";
import { MAX_LIST_BODY_BYTES, MAX_LISTED_MODELS, MAX_SHOW_BODY_BYTES } from "../defaults.ts";
import { modelIdProblem } from "../model-id.ts";

export type ListedModel = { id: string; loaded: boolean };

/** What /api/show tells about one model (all optional: 485d055 says none of it). */
export type ShownModel = {
  /** v0.1.334: e.g. ["completion", "vision"]; undefined when the daemon reports none. */
  capabilities: string[] | undefined;
  trainedContext: number | undefined;
  thinking: boolean;
};

export async function listModels(target: ApiTarget, signal?: AbortSignal): Promise<{ models: ListedModel[]; warnings: string[] }> {
  const json = await llmmanJson(target, "/v1/models", { maxBytes: MAX_LIST_BODY_BYTES, signal });
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) return { models: [], warnings: [`GET ${target.origin}/v1/models returned JSON without a "data" list`] };
  const models: ListedModel[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  for (const entry of data) {
    const id = (entry as { id?: unknown })?.id;
    if (typeof id !== "string" || modelIdProblem(id) || seen.has(id)) {
      skipped++;
      continue;
    }
    seen.add(id);
    models.push({ id, loaded: (entry as { status?: { value?: unknown } }).status?.value === "loaded" });
  }
  const warnings = skipped ? [`GET ${target.origin}/v1/models: skipped ${skipped} entries without a valid, unique model id`] : [];
  if (models.length > MAX_LISTED_MODELS) {
    warnings.push(`GET ${target.origin}/v1/models listed ${models.length} models; keeping the first ${MAX_LISTED_MODELS}`);
    models.length = MAX_LISTED_MODELS;
  }
  return { models, warnings };
}

/** One `/api/ps` entry, every field checked (a field of the wrong type is null). */
export type RunningModel = {
  name: string;
  /** The context its llama-server really has (null when llmman could not read it). */
  contextLength: number | null;
  processor: string | null;
  /** The peer it is loaded on (v0.1.334 with LLMMAN_PEERS); null for this daemon. */
  node: string | null;
  /** RFC 3339; null for "forever" or a daemon without keep-alive (485d055). */
  expiresAt: string | null;
  /** v0.1.334 said `expires_at: null`: it stays loaded until stopped. */
  keptForever: boolean;
  startedAt: string | null;
  size: number | null;
  pid: number | null;
};

/** GET /api/ps: the loaded models, here and (aggregated) on peers. Invalid entries are skipped. */
export async function runningModels(target: ApiTarget, signal?: AbortSignal): Promise<RunningModel[]> {
  const json = await llmmanJson(target, "/api/ps", { maxBytes: MAX_LIST_BODY_BYTES, signal });
  const models = (json as { models?: unknown })?.models;
  const out: RunningModel[] = [];
  for (const entry of Array.isArray(models) ? models.slice(0, MAX_LISTED_MODELS) : []) {
    const fields = (typeof entry === "object" && entry ? entry : {}) as Record<string, unknown>;
    const name = [fields.name, fields.model].find((key): key is string => typeof key === "string" && !modelIdProblem(key));
    if (name === undefined) continue;
    out.push({
      name,
      contextLength: positiveInteger(fields.context_length) ?? null,
      processor: shortString(fields.processor),
      node: shortString(fields.node),
      expiresAt: shortString(fields.expires_at),
      keptForever: fields.expires_at === null,
      startedAt: shortString(fields.started_at),
      size: positiveInteger(fields.size) ?? null,
      pid: positiveInteger(fields.pid) ?? null,
    });
  }
  return out;
}

/** Loaded model → its live context (null when llmman could not read it). */
export async function runningContexts(target: ApiTarget, signal?: AbortSignal): Promise<Map<string, number | null>> {
  return new Map((await runningModels(target, signal)).map((model) => [model.name, model.contextLength]));
}

export async function showModel(target: ApiTarget, id: string, signal?: AbortSignal): Promise<ShownModel> {
  const json = (await llmmanJson(target, "/api/show", { body: { model: id }, maxBytes: MAX_SHOW_BODY_BYTES, signal })) as Record<string, unknown>;
  const rawCapabilities = json?.capabilities;
  const capabilities = Array.isArray(rawCapabilities) ? rawCapabilities.filter((c): c is string => typeof c === "string") : undefined;
  const info = (typeof json?.model_info === "object" && json.model_info) || {};
  const arch = (info as Record<string, unknown>)["general.architecture"];
  const trainedContext = typeof arch === "string" ? positiveInteger((info as Record<string, unknown>)[`${arch}.context_length`]) : undefined;
  const template = typeof json?.template === "string" ? json.template : "";
  const thinking = capabilities?.includes("thinking") === true || /<think>|enable_thinking/.test(template);
  return { capabilities, trainedContext, thinking };
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function shortString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 && value.length <= 200 ? value : null;
}
