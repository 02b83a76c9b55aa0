// The embedding model of `memory.search.provider: "llmman"`, from `memory.search.model`: hostile
// input, checked as every llmman id is, then resolved as llmman resolves names (§16).
import { DEFAULT_LLMMAN_EMBEDDING_MODEL, LLMMAN_PROVIDER_ID } from "../defaults.ts";
import { modelIdProblem, parseModelRef } from "../model-id.ts";

export class LlmmanEmbeddingModelError extends Error {
  override name = "LlmmanEmbeddingModelError";
}

/** Unset → the default; `llmman/<model>` (how OpenClaw writes model refs) → `<model>`. */
export function normalizeLlmmanEmbeddingModel(model: string | undefined): string {
  const id = model?.trim() ?? "";
  if (!id) return DEFAULT_LLMMAN_EMBEDDING_MODEL;
  const prefix = `${LLMMAN_PROVIDER_ID}/`;
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

/** The canonical ref to embed with (`docker.io/ai/embeddinggemma:latest`), or an error naming the key. */
export function embeddingRef(id: string): string {
  const problem = modelIdProblem(id);
  const parsed = problem ? undefined : parseModelRef(id);
  if (parsed?.kind === "local") return parsed.ref;
  const why = problem ?? `${JSON.stringify(id)} is a hybrid or hosted-provider ref, and memory search embeds with a model llmman stores.`;
  throw new LlmmanEmbeddingModelError(
    `memory.search.model: ${why} Set memory.search.model to a llmman embedding model such as "${DEFAULT_LLMMAN_EMBEDDING_MODEL}" ` +
      `(openclaw config set memory.search.model ${DEFAULT_LLMMAN_EMBEDDING_MODEL}).`,
  );
}
