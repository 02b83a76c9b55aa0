// The shape both backends give memory search: an adapter whose `create` only resolves the model
// (hostile input) and the config — `memory status` creates providers too and must start nothing —
// and a provider whose `embed` and `embedBatch` share one call path.
import type { EmbeddingProvider, EmbeddingProviderAdapter } from "../host-types.ts";
import { inputTexts } from "./client.ts";

export type EmbedAll = (texts: string[], signal: AbortSignal | undefined) => Promise<number[][]>;

export function localEmbeddingAdapter<Config>(options: {
  id: string;
  defaultModel: string;
  /** Unset → the default; the provider's own `<id>/` prefix stripped. */
  normalize: (model: string | undefined) => string;
  /** Throws an error naming memory.search.model. */
  check: (model: string) => string;
  loadConfig: (hostConfig: unknown) => Promise<Config>;
  provider: (model: string, config: Config) => EmbeddingProvider;
}): EmbeddingProviderAdapter {
  return {
    id: options.id,
    defaultModel: options.defaultModel,
    transport: "local",
    normalizeModel: (create) => options.normalize(create.model),
    create: async (create) => {
      const model = options.check(options.normalize(create.model));
      return { provider: options.provider(model, await options.loadConfig(create.config)) };
    },
  };
}

/** `dimensions` is learned from the first answer (see learnDimensions). */
export function localEmbeddingProvider(id: string, model: string, embedAll: EmbedAll): EmbeddingProvider {
  const all = async (inputs: Parameters<EmbeddingProvider["embedBatch"]>[0], signal: AbortSignal | undefined) =>
    inputs.length === 0 ? [] : embedAll(inputTexts(inputs), signal);
  return {
    id,
    model,
    dimensions: undefined,
    embed: async (input, options) => (await all([input], options?.signal))[0]!,
    embedBatch: (inputs, options) => all(inputs, options?.signal),
  };
}
