// One POST {baseUrl}/embeddings to inferrs or llmman (../shared/inferrs-api.md §7, §15;
// ../shared/llmman-api.md §7), with a defensive parser: the answer must hold one finite vector per
// input, all of one width, or it is refused.
import { printableLines } from "../cli/printable.ts";
import { bearerHeaders, networkReason, readCapped } from "../http.ts";
import type { EmbeddingInput, EmbeddingProvider } from "../host-types.ts";

/** A /v1/embeddings body larger than this is refused (32 × 4096 floats is ~2.5 MB of JSON). */
const MAX_EMBEDDINGS_BODY_BYTES = 64 * 1024 * 1024;
const PREVIEW_CHARS = 60;

/** The server answered with an error status; `detail` is its own `{"error": …}` text. */
export class EmbeddingsHttpError extends Error {
  override name = "EmbeddingsHttpError";
  readonly status: number;
  readonly detail: string;
  constructor(url: string, status: number, detail: string) {
    super(`POST ${url} answered HTTP ${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

export class EmbeddingsError extends Error {
  override name = "EmbeddingsError";
}

/**
 * `server` names the backend in errors ("inferrs", "llmman"); `timeoutMs` bounds one request and
 * `timeoutKey` is the config key that sets it.
 */
export type EmbeddingsTarget = { server: string; baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number; timeoutKey: string };

export async function postEmbeddings(target: EmbeddingsTarget, inputs: string[], signal?: AbortSignal): Promise<number[][]> {
  const url = `${target.baseUrl}/embeddings`;
  let timeout: AbortSignal | undefined;
  let status: number;
  let text: string;
  try {
    const { request } = await import("../undici-request.ts");
    timeout = AbortSignal.timeout(target.timeoutMs); // the server's time, not undici's load
    const response = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearerHeaders(target.apiKey) },
      // llmman routes by `model`; inferrs ignores it (it embeds with the loaded one).
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
    if (timeout?.aborted || isUndiciTimeout(error)) throw noAnswer(target, url);
    if (error instanceof EmbeddingsError) throw error;
    throw new EmbeddingsError(`cannot reach ${target.server} at ${url} (${networkReason(error)})`);
  }
  if (status !== 200) throw new EmbeddingsHttpError(url, status, errorDetail(text));
  return parseEmbeddings(text, inputs.length, url);
}

/**
 * Worded so that OpenClaw does not retry it (its retry patterns include "timed out"): a server
 * that does not answer within the bound is not answering again a second later.
 */
function noAnswer(target: EmbeddingsTarget, url: string): EmbeddingsError {
  const { host } = new URL(url);
  return new EmbeddingsError(
    `${target.server} at ${host} did not answer POST ${url} within ${target.timeoutMs} ms (${target.timeoutKey}): ` +
      `check that server (\`openclaw ${target.server} status\`), restart it, or raise ${target.timeoutKey} if it is only slow.`,
  );
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

/** `{"error":"…"}` or `{"error":{"message":"…"}}`; anything else is quoted, shortened. */
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


/** The texts of the host's inputs. */
export function inputTexts(inputs: EmbeddingInput[]): string[] {
  return inputs.map((input) => (typeof input === "string" ? input : input.text));
}

/** `input 3 of 40 ("The deploy key…")`, for errors. */
export function describeInput(texts: string[], index: number): string {
  const text = texts[index] ?? "";
  const preview = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
  return `input ${index + 1} of ${texts.length} (${JSON.stringify(preview)})`;
}

/** The first answer's width becomes the provider's dimensions; another width later is `changed(known)`. */
export function learnDimensions(provider: EmbeddingProvider, width: number, changed: (known: number) => Error): void {
  const known = provider.dimensions;
  if (known === undefined) provider.dimensions = width;
  else if (known !== width) throw changed(known);
}
