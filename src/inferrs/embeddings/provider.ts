// The `inferrs` embedding provider for memory search: the model runs in an `inferrs serve` of
// its own, started on demand through the supervisor, or, when OpenClaw may not start inferrs, in
// the server the user runs at baseUrl (server-choice.ts); inputs go to POST /v1/embeddings in batches.
import { CONFIG_PATH } from "../../config/config-error.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { DEFAULT_EMBEDDING_MODEL, EMBEDDING_BATCH_MAX_INPUTS, PROVIDER_ID } from "../defaults.ts";
import type { EmbeddingProvider, EmbeddingProviderAdapter } from "../../host-types.ts";
import { configLoader } from "../provider.ts";
import { NotReadyError, waitForHealth } from "../server/readiness.ts";
import type { Supervisor } from "../pool/supervisor.ts";
import { localEmbeddingAdapter, localEmbeddingProvider } from "../../embeddings/adapter.ts";
import { describeInput, EmbeddingsError, EmbeddingsHttpError, learnDimensions, type EmbeddingsTarget, postEmbeddings } from "../../embeddings/client.ts";
import { checkEmbeddingModel, normalizeEmbeddingModel } from "./model-id.ts";
import { checkUserServer, daemonRefusal, embeddingServerPlan } from "./server-choice.ts";

/** A 503 (still loading) is answered by waiting for /health, at most this many times per batch. */
const MAX_LOADING_WAITS = 3;

export type EmbeddingDeps = {
  /** `plugins.entries.inferrs.config` as given at registration. */
  pluginConfig: unknown;
  supervisor: Supervisor;
  /** Where the command is looked up (PATH); the process environment by default. */
  env?: NodeJS.ProcessEnv;
};

export function createEmbeddingAdapter(deps: EmbeddingDeps): EmbeddingProviderAdapter {
  return localEmbeddingAdapter({
    id: PROVIDER_ID,
    defaultModel: DEFAULT_EMBEDDING_MODEL,
    normalize: normalizeEmbeddingModel,
    check: checkEmbeddingModel,
    loadConfig: configLoader(deps.pluginConfig),
    provider: (model, config) => new InferrsEmbedder(model, config, deps.supervisor, deps.env ?? process.env).provider,
  });
}

class InferrsEmbedder {
  readonly provider: EmbeddingProvider;
  private readonly model: string;
  private readonly config: ResolvedConfig;
  private readonly supervisor: Supervisor;
  private readonly env: NodeJS.ProcessEnv;

  constructor(model: string, config: ResolvedConfig, supervisor: Supervisor, env: NodeJS.ProcessEnv) {
    this.model = model;
    this.config = config;
    this.supervisor = supervisor;
    this.env = env;
    this.provider = localEmbeddingProvider(PROVIDER_ID, model, (texts, signal) => this.embedAll(texts, signal));
  }

  /** One lease for the whole call; inputs go in batches of EMBEDDING_BATCH_MAX_INPUTS. */
  private async embedAll(texts: string[], signal: AbortSignal | undefined): Promise<number[][]> {
    const lease = await this.server(signal);
    try {
      const vectors: number[][] = [];
      for (let offset = 0; offset < texts.length; offset += EMBEDDING_BATCH_MAX_INPUTS) {
        const batch = texts.slice(offset, offset + EMBEDDING_BATCH_MAX_INPUTS);
        vectors.push(...(await this.embedBatch(lease.baseUrl, batch, signal, (i) => describeInput(texts, offset + i))));
      }
      return vectors;
    } finally {
      lease.release();
    }
  }

  /** A server of its own when OpenClaw may start one, else the user's at baseUrl once it is checked. */
  private async server(signal: AbortSignal | undefined): Promise<{ baseUrl: string; release: () => void }> {
    const plan = embeddingServerPlan(this.config, this.env);
    if (plan.start) return this.supervisor.acquire(this.model, this.config, { embedding: true });
    await checkUserServer(this.config, this.model, plan.why, signal);
    return { baseUrl: this.config.baseUrl, release: () => {} };
  }

  private async embedBatch(
    baseUrl: string,
    batch: string[],
    signal: AbortSignal | undefined,
    describe: (index: number) => string,
  ): Promise<number[][]> {
    const target: EmbeddingsTarget = {
      server: "inferrs",
      baseUrl,
      apiKey: this.config.apiKey,
      model: this.model,
      timeoutMs: this.config.embeddings.timeoutMs,
      timeoutKey: `${CONFIG_PATH}.embeddings.timeoutMs`,
    };
    for (let waits = 0; ; waits++) {
      try {
        const vectors = await postEmbeddings(target, batch, signal);
        learnDimensions(
          this.provider,
          vectors[0]!.length,
          (known) =>
            new EmbeddingsError(
              `inferrs answered ${vectors[0]!.length}-dimensional embeddings, but ${this.model} gave ${known} before: ` +
                `the server at ${this.config.baseUrl} now serves another model. Run \`openclaw memory index --force\` once it serves ${this.model}.`,
            ),
        );
        return vectors;
      } catch (error) {
        if (!(error instanceof EmbeddingsHttpError)) throw error;
        const daemon = daemonRefusal(error, baseUrl, this.model);
        if (daemon) throw daemon;
        if (error.status === 503 && waits < MAX_LOADING_WAITS) {
          await this.waitUntilLoaded(baseUrl, signal);
          continue;
        }
        if (error.status === 400) throw await this.tokenizationError(target, batch, signal, describe, error);
        if (error.status === 500) {
          throw new EmbeddingsError(`inferrs could not load ${this.model} for memory search: ${error.detail}`);
        }
        throw new EmbeddingsError(`inferrs did not embed with ${this.model}: ${error.message}`);
      }
    }
  }

  private async waitUntilLoaded(baseUrl: string, signal: AbortSignal | undefined): Promise<void> {
    const { readyTimeoutMs } = this.config.service;
    try {
      await waitForHealth(new URL(baseUrl).origin, readyTimeoutMs, signal);
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      throw new EmbeddingsError(
        `inferrs at ${baseUrl} was still loading ${this.model} after ${readyTimeoutMs} ms; ` +
          `raise plugins.entries.inferrs.config.service.readyTimeoutMs or run \`inferrs pull ${this.model}\` first.`,
      );
    }
  }

  /** inferrs does not say which input of a batch failed: ask for each alone to name it. */
  private async tokenizationError(
    target: EmbeddingsTarget,
    batch: string[],
    signal: AbortSignal | undefined,
    describe: (index: number) => string,
    error: EmbeddingsHttpError,
  ): Promise<EmbeddingsError> {
    if (batch.length === 1) return refused(describe(0), error.detail);
    for (const [index, text] of batch.entries()) {
      try {
        await postEmbeddings(target, [text], signal);
      } catch (single) {
        if (single instanceof EmbeddingsHttpError && single.status === 400) return refused(describe(index), single.detail);
        throw single;
      }
    }
    return new EmbeddingsError(`inferrs refused a batch of ${batch.length} inputs but none alone: ${error.detail}`);
  }
}

function refused(input: string, detail: string): EmbeddingsError {
  return new EmbeddingsError(`inferrs could not embed ${input}: ${detail}`);
}
