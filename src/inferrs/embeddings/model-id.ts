// The embedding model id from `memory.search.model`: normalised, then checked as hostile input,
// since it becomes an argument of `inferrs serve`.
import { DEFAULT_EMBEDDING_MODEL, PROVIDER_ID } from "../defaults.ts";

export class EmbeddingModelError extends Error {
  override name = "InferrsEmbeddingModelError";
}

/** A Hugging Face id (`org/name`) or a one-word name; no leading "-", no path. */
const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const MAX_MODEL_ID_LENGTH = 200;

/** Unset → the default; `inferrs/<org>/<name>` (how OpenClaw writes model refs) → `<org>/<name>`. */
export function normalizeEmbeddingModel(model: string | undefined): string {
  const id = model?.trim() ?? "";
  if (!id) return DEFAULT_EMBEDDING_MODEL;
  const prefix = `${PROVIDER_ID}/`;
  return id.startsWith(prefix) && id.slice(prefix.length).includes("/") ? id.slice(prefix.length) : id;
}

export function checkEmbeddingModel(id: string): string {
  if (MODEL_ID.test(id) && !id.includes("..") && id.length <= MAX_MODEL_ID_LENGTH) return id;
  const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
  const why = id.startsWith("-")
    ? "it starts with '-', so inferrs would read it as a flag"
    : /^[./~\\]|\\|\.\.|\/.*\//.test(id)
      ? "it looks like a file path; OpenClaw only starts models by their Hugging Face id"
      : "it is not a Hugging Face model id";
  throw new EmbeddingModelError(
    `memory.search.model is ${shown}, which OpenClaw will not pass to inferrs: ${why}. ` +
      `Set memory.search.model to an id such as "${DEFAULT_EMBEDDING_MODEL}" ` +
      `(openclaw config set memory.search.model ${DEFAULT_EMBEDDING_MODEL}).`,
  );
}
