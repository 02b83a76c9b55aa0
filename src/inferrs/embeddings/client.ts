// One POST {baseUrl}/embeddings to inferrs (../shared/inferrs-api.md §7, §15), with a defensive
// parser: the answer must hold one finite vector per input, all of one width, or it is refused.
import { printableLines } from "../../cli/printable.ts";
import { CONFIG_PATH } from "../../config/config-error.ts";
import { MAX_EMBEDDINGS_BODY_BYTES } from "../defaults.ts";
import { networkReason } from "../../http.ts";
import { bearerHeaders, readCapped } from "../../http.ts";

/** inferrs answered with an error status; `detail` is its own `{"error": …}` text. */
export class EmbeddingsHttpError extends Error {
  override name = "InferrsEmbeddingsHttpError";
  readonly status: number;
  readonly detail: string;
  constructor(url: string, status: number, detail: string) {
    super(`POST ${url} answered HTTP ${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

export class EmbeddingsError extends Error {
  override name = "InferrsEmbeddingsError";
}

/** `timeoutMs`: embeddings.timeoutMs, the bound of one request. */
export type EmbeddingsTarget = { baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number };

export async function postEmbeddings(target: EmbeddingsTarget, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
  const url = `${target.baseUrl}/embeddings`;
  let timeout: AbortSignal | undefined;
  let status: number;
  let text: string;
  try {
    const { request } = await import("../../undici-request.ts");
    timeout = AbortSignal.timeout(target.timeoutMs); // the server's time, not undici's load
    const response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearerHeaders(target.apiKey) },
      // inferrs ignores `model` (it embeds with the loaded one); sent for OpenAI-shaped logs.
      body: JSON.stringify({ model: target.model, input: inputs }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    status = response.statusCode;
    text = await readCapped(
      response.body,
      MAX_EMBEDDINGS_BODY_BYTES,
      () => new EmbeddingsError(`POST ${url} returned more than ${MAX_EMBEDDINGS_BODY_BYTES} bytes`),
    );
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout?.aborted || isUndiciTimeout(error)) throw noAnswer(url, target.timeoutMs);
    if (error instanceof EmbeddingsError) throw error;
    throw new EmbeddingsError(`cannot reach inferrs at ${url} (${networkReason(error)})`);
  }
  if (status !== 200) throw new EmbeddingsHttpError(url, status, errorDetail(text));
  return parseEmbeddings(text, inputs.length, url);
}

/**
 * Worded so that OpenClaw does not retry it (its retry patterns include "timed out"): a server
 * that does not answer within the bound is not answering again a second later.
 */
function noAnswer(url: string, timeoutMs: number): EmbeddingsError {
  const { host } = new URL(url);
  return new EmbeddingsError(
    `inferrs at ${host} did not answer POST ${url} within ${timeoutMs} ms (${CONFIG_PATH}.embeddings.timeoutMs): ` +
      `check that server (\`openclaw inferrs status\`), restart it, or raise embeddings.timeoutMs if it is only slow.`,
  );
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

/** inferrs' embeddings errors are `{"error":"…"}`; anything else is quoted, shortened. */
function errorDetail(text: string): string {
  try {
    const error = (JSON.parse(text) as { error?: unknown })?.error;
    if (typeof error === "string") return printableLines(error);
    const message = (error as { message?: unknown })?.message;
    if (typeof message === "string") return printableLines(message);
  } catch {
    // not JSON
  }
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

function parseEmbeddings(text: string, count: number, url: string): number[][] {
  const malformed = (why: string) => new EmbeddingsError(`POST ${url} returned a malformed answer: ${why}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed(`invalid JSON ${JSON.stringify(text.slice(0, 80))}`);
  }
  const data = (parsed as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw malformed('no "data" list');
  if (data.length !== count) throw malformed(`${data.length} embeddings for ${count} inputs`);
  const vectors: number[][] = new Array(count);
  let width: number | undefined;
  for (const [position, entry] of data.entries()) {
    const index: unknown = (entry as { index?: unknown })?.index ?? position;
    const embedding = (entry as { embedding?: unknown })?.embedding;
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= count || vectors[index]) {
      throw malformed(`bad or repeated index ${JSON.stringify(index)}`);
    }
    if (!Array.isArray(embedding) || embedding.length === 0 || !embedding.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw malformed(`embedding ${index} is not a list of finite numbers`);
    }
    width ??= embedding.length;
    if (embedding.length !== width) throw malformed("embeddings of different widths");
    vectors[index] = embedding;
  }
  return vectors;
}

