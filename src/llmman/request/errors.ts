// llmman's `{"error": …}` answers, as the host's transport reports them (`500 "model not found: …"`),
// turned into messages that name the fix. Server text is escaped.
import { serverText } from "../../cli/printable.ts";

/** llmman's 503s (v0.1.334): every slot busy, or its queue full. */
const BUSY = /every loaded model is busy|maximum pending requests exceeded|server busy/i;
const NOT_STORED = /model not found|pull failed|not in store|image not found/i;
const LOAD_FAILED = /exited before becoming ready|did not become ready|spawn llama-server|no servable model layer|vllm not found|resolve model|inference server/i;

/** The status and llmman's own words of a host error message, when it has that shape. */
export function llmmanWords(errorMessage: string): { status: number | undefined; text: string } {
  const match = /^(\d{3})\s+([\s\S]*)$/.exec(errorMessage.trim());
  const rest = match?.[2] ?? errorMessage;
  let text = rest;
  if (rest.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (typeof parsed === "string") text = parsed;
    } catch {
      // not a JSON string: keep it as it is
    }
  }
  return { status: match ? Number(match[1]) : undefined, text: serverText(text, 600) };
}

export function isBusy(errorMessage: string): boolean {
  return BUSY.test(errorMessage);
}

/** A refusal before any answer, reworded when it is one of llmman's own. */
export function explainRefusal(errorMessage: string, model: string): string {
  const { status, text } = llmmanWords(errorMessage);
  if (NOT_STORED.test(text)) {
    return `llmman has no model ${model} and could not get it (${text}). Pull it with \`llmman pull ${model}\`, or check the name with \`llmman list\`.`;
  }
  if (LOAD_FAILED.test(text)) return `llmman could not load ${model}: ${text}`;
  if (isBusy(text)) return busyTimeout(model, text);
  return status === undefined ? errorMessage : `llmman refused the request for ${model} (HTTP ${status}): ${text}`;
}

export function busyTimeout(model: string, text: string): string {
  return (
    `llmman had no free slot for ${model} until the request timeout (${text}). Every loaded model stayed busy: ` +
    `raise LLMMAN_MAX_LOADED_MODELS (or LLMMAN_MAX_QUEUE) in the daemon's environment ` +
    `(plugins.entries.inferrs.config.llmman.service.env when OpenClaw starts it), or wait for the other requests to finish.`
  );
}
