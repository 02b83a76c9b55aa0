// OpenClaw's hand-written `models.providers.llmman` block (its docs/providers/llmman.md), kept by a
// user who then installs the plugin. OpenClaw merges our catalog into that block (the block's
// fields win, models are matched by exact id) and, with `localService`, supervises the daemon
// itself inside its transport. So: its baseUrl is llmman's address unless the plugin config names
// one, a discovered model takes the block's id for the same model (one entry, not two), and with
// `localService` the plugin starts no daemon of its own.
import { modelIdProblem, parseModelRef, storedRefOf } from "./model-id.ts";

export type HandWrittenBlock = { baseUrl: string | undefined; localService: boolean; modelIds: string[] };

export function handWrittenBlock(hostConfig: unknown): HandWrittenBlock | undefined {
  const block = (hostConfig as { models?: { providers?: Record<string, unknown> } } | undefined)?.models?.providers?.llmman;
  if (!block || typeof block !== "object") return undefined;
  const { baseUrl, localService, models } = block as { baseUrl?: unknown; localService?: unknown; models?: unknown };
  const modelIds = (Array.isArray(models) ? models : [])
    .map((model) => (model as { id?: unknown })?.id)
    .filter((id): id is string => typeof id === "string" && !modelIdProblem(id));
  return { baseUrl: typeof baseUrl === "string" ? baseUrl : undefined, localService: Boolean(localService), modelIds };
}

/** The plugin config with the block's baseUrl when the plugin config names none. */
export function withBlockBaseUrl(pluginConfig: unknown, block: HandWrittenBlock | undefined): unknown {
  const own = (pluginConfig ?? {}) as { llmman?: { baseUrl?: unknown } };
  if (!block?.baseUrl || own.llmman?.baseUrl !== undefined) return pluginConfig;
  return { ...own, llmman: { ...own.llmman, baseUrl: block.baseUrl.replace(/\/+$/, "") } };
}

/** `id` (as discovered) under the block's spelling of the same model, if the block has one. */
export function blockIdFor(id: string, block: HandWrittenBlock | undefined): string {
  if (!block) return id;
  const ref = storedRefOf(parseModelRef(id));
  return block.modelIds.find((own) => own === id || (ref !== undefined && storedRefOf(parseModelRef(own)) === ref)) ?? id;
}
