// llmman's HTTP API, from outside: every answer is hostile (size-capped, parsed defensively, and
// its text escaped before it reaches a message). undici is loaded on the first request.
import { bearerHeaders, readCapped } from "../http.ts";
import { serverText } from "../cli/printable.ts";

export type ApiFailure = "unreachable" | "timeout" | "http" | "malformed";

export class LlmmanApiError extends Error {
  override name = "LlmmanApiError";
  readonly kind: ApiFailure;
  /** The HTTP status for `http`. */
  readonly status: number | undefined;
  /** llmman's own `{"error": "…"}` text, escaped. */
  readonly llmmanError: string | undefined;
  constructor(kind: ApiFailure, message: string, status?: number, llmmanError?: string) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.llmmanError = llmmanError;
  }
}

export type ApiTarget = { origin: string; apiKey: string | undefined; timeoutMs: number };

/** A JSON answer of llmman (GET, or POST with a JSON body); non-2xx is a LlmmanApiError. */
export async function llmmanJson(
  target: ApiTarget,
  path: string,
  options: { body?: unknown; maxBytes: number; signal?: AbortSignal },
): Promise<unknown> {
  const url = `${target.origin}${path}`;
  const what = `${options.body === undefined ? "GET" : "POST"} ${url}`;
  const timeout = AbortSignal.timeout(target.timeoutMs);
  const { request } = await import("../undici-request.ts");
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: options.body === undefined ? "GET" : "POST",
      headers: { ...bearerHeaders(target.apiKey), ...(options.body === undefined ? {} : { "content-type": "application/json" }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
    status = response.statusCode;
    text = await readCapped(response.body, options.maxBytes, () => new LlmmanApiError("malformed", `${what} returned more than ${options.maxBytes} bytes`));
  } catch (error) {
    if (error instanceof LlmmanApiError) throw error;
    if (timeout.aborted) throw new LlmmanApiError("timeout", `${what} did not answer within ${target.timeoutMs} ms`);
    throw new LlmmanApiError("unreachable", `cannot reach llmman at ${target.origin} (${networkReason(error)})`);
  }
  const json = parseJson(text);
  if (status < 200 || status >= 300) {
    const llmmanError = errorText(json);
    throw new LlmmanApiError("http", `${what} answered HTTP ${status}${llmmanError ? `: ${llmmanError}` : ""}`, status, llmmanError);
  }
  if (json === undefined) throw new LlmmanApiError("malformed", `${what} returned invalid JSON: "${serverText(text, 80)}"`);
  return json;
}

export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = (error as { code?: string })?.code ?? cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  return code ?? (error instanceof Error ? error.message : String(error));
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** llmman's `{"error": "…"}` (or an OpenAI `{"error": {"message": …}}` passed through), escaped. */
export function errorText(json: unknown): string | undefined {
  const error = (json as { error?: unknown } | undefined)?.error;
  const text = typeof error === "string" ? error : (error as { message?: unknown } | undefined)?.message;
  return typeof text === "string" && text ? serverText(text, 500) : undefined;
}
