// The `llmman` embedding provider for memory search: POST /v1/embeddings to the same daemon chat
// uses (started on demand through the shared supervisor), which routes by `model` to that model's
// own llama-server; the chat model stays loaded. A missing model is pulled first, with progress.
import { localEmbeddingAdapter, localEmbeddingProvider } from "../../embeddings/adapter.ts";
import { describeInput, EmbeddingsError, EmbeddingsHttpError, learnDimensions, postEmbeddings } from "../../embeddings/client.ts";
import { LLMMAN_CONFIG_PATH } from "../../config/config-error.ts";
import type { EmbeddingProvider, EmbeddingProviderAdapter } from "../../host-types.ts";
import { LlmmanApiError } from "../api.ts";
import type { LlmmanDaemons } from "../daemon/supervisor.ts";
import { DEFAULT_LLMMAN_EMBEDDING_MODEL, LLMMAN_EMBEDDING_BATCH, LLMMAN_PROVIDER_ID } from "../defaults.ts";
import { showModel } from "../discovery/daemon.ts";
import { bearerFor } from "../discovery/facts.ts";
import { llmmanConfigLoader, type LlmmanRequestConfig } from "../provider.ts";
import { ensureStored } from "../request/stored.ts";
import { embeddingRef, normalizeLlmmanEmbeddingModel } from "./model-id.ts";

export type LlmmanEmbeddingDeps = {
  /** `plugins.entries.inferrs.config` as given at registration. */
  pluginConfig: unknown;
  daemons: Pick<LlmmanDaemons, "acquire">;
  logger: { info(message: string): void };
  env: NodeJS.ProcessEnv;
};

export function createLlmmanEmbeddingAdapter(deps: LlmmanEmbeddingDeps): EmbeddingProviderAdapter {
  return localEmbeddingAdapter({
    id: LLMMAN_PROVIDER_ID,
    defaultModel: DEFAULT_LLMMAN_EMBEDDING_MODEL,
    normalize: normalizeLlmmanEmbeddingModel,
    check: embeddingRef,
    loadConfig: llmmanConfigLoader(deps.pluginConfig),
    provider: (ref, config) => new LlmmanEmbedder(ref, config, deps).provider,
  });
}

class LlmmanEmbedder {
  readonly provider: EmbeddingProvider;
  /** Settles once the model is known to be stored and to embed (checked once per provider). */
  private checked: Promise<void> | undefined;
  private readonly ref: string;
  private readonly config: LlmmanRequestConfig;
  private readonly deps: LlmmanEmbeddingDeps;

  constructor(ref: string, config: LlmmanRequestConfig, deps: LlmmanEmbeddingDeps) {
    this.ref = ref;
    this.config = config;
    this.deps = deps;
    this.provider = localEmbeddingProvider(LLMMAN_PROVIDER_ID, ref, (texts, signal) => this.embedAll(texts, signal));
  }

  /** One lease for the whole call; inputs go in batches of LLMMAN_EMBEDDING_BATCH. */
  private async embedAll(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const deadline = AbortSignal.timeout(this.config.requestTimeoutMs);
    const within = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const log = (message: string) => this.deps.logger.info(message);
    // The daemon supervisor logs the start phases itself.
    const lease = await this.deps.daemons.acquire(this.config, { signal: within });
    try {
      const target = { origin: new URL(lease.baseUrl).origin, apiKey: bearerFor(this.config, this.deps.env), timeoutMs: this.config.requestTimeoutMs };
      this.checked ??= this.check(target, within, log).catch((error: unknown) => {
        this.checked = undefined;
        throw error;
      });
      await this.checked;
      const vectors: number[][] = [];
      for (let offset = 0; offset < texts.length; offset += LLMMAN_EMBEDDING_BATCH) {
        const batch = texts.slice(offset, offset + LLMMAN_EMBEDDING_BATCH);
        vectors.push(...(await this.embedBatch({ ...target, baseUrl: lease.baseUrl }, batch, within, (i) => describeInput(texts, offset + i))));
      }
      return vectors;
    } finally {
      lease.release();
    }
  }

  /** Pulled when missing (with progress); a model whose capabilities say it cannot embed is refused. */
  private async check(target: { origin: string; apiKey: string; timeoutMs: number }, signal: AbortSignal, log: (message: string) => void): Promise<void> {
    try {
      await ensureStored(target, this.ref, signal, (status) => log(status.message));
      const { capabilities } = await showModel(target, this.ref, signal);
      if (capabilities && !capabilities.includes("embedding")) throw notAnEmbeddingModel(this.ref, `its capabilities are ${capabilities.join(", ")}`);
    } catch (error) {
      if (error instanceof LlmmanApiError) throw new EmbeddingsError(`llmman could not prepare ${this.ref} for memory search: ${error.message}.`);
      throw error;
    }
  }

  private async embedBatch(
    target: { baseUrl: string; apiKey: string },
    batch: string[],
    signal: AbortSignal,
    describe: (index: number) => string,
  ): Promise<number[][]> {
    try {
      const vectors = await postEmbeddings({ server: "llmman", baseUrl: target.baseUrl, apiKey: target.apiKey, model: this.ref, timeoutMs: this.config.requestTimeoutMs, timeoutKey: `${LLMMAN_CONFIG_PATH}.requestTimeoutMs` }, batch, signal);
      learnDimensions(
        this.provider,
        vectors[0]!.length,
        (known) =>
          new EmbeddingsError(
            `llmman answered ${vectors[0]!.length}-dimensional embeddings for ${this.ref}, which gave ${known} before. ` +
              "Run `openclaw memory index --force` to rebuild the index with one model.",
          ),
      );
      return vectors;
    } catch (error) {
      if (!(error instanceof EmbeddingsHttpError)) throw error;
      // llama-server started without --embeddings (a chat model, or 485d055, which never adds it).
      if (error.status === 501) throw notAnEmbeddingModel(this.ref, `llmman said: ${error.detail}`);
      if (error.status === 400 && batch.length === 1) throw new EmbeddingsError(`llmman could not embed ${describe(0)}: ${error.detail}`);
      throw new EmbeddingsError(`llmman did not embed with ${this.ref}: ${error.message}`);
    }
  }
}

function notAnEmbeddingModel(ref: string, why: string): EmbeddingsError {
  return new EmbeddingsError(
    `${ref} is not an embedding model (${why}), so memory search cannot use it. Set memory.search.model to a llmman embedding model ` +
      `such as "${DEFAULT_LLMMAN_EMBEDDING_MODEL}" (openclaw config set memory.search.model ${DEFAULT_LLMMAN_EMBEDDING_MODEL}).`,
  );
}
