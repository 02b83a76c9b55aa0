// Completion generation: crude token counting, a deterministic answer, and the engine's token
// stream (content, reasoning, Qwen3.5 tool calls, EOS / length / error endings), plus the
// OpenAI SSE framing of server.rs `make_sse_stream`.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Knobs } from "./knobs.ts";
import type { LoadedModel } from "./slot.ts";

/**
 * Token count used for prompts and answers: a word (letters/digits) counts one token per 5
 * characters (rounded up), every other non-space character counts one.
 */
export function countTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu)) n += /^[\p{L}\p{N}_]/u.test(m[0]) ? Math.ceil(m[0].length / 5) : 1;
  return n;
}

/** Template overhead: a BOS token, 4 per message (role markers), 3 for the assistant prompt. */
export const TOKENS_BOS = 1;
export const TOKENS_PER_MESSAGE = 4;
export const TOKENS_REPLY_PROMPT = 3;
/** Soft tokens per image (Gemma4 vision `default_output_length`) and per audio clip. */
export const TOKENS_PER_IMAGE = 280;
export const TOKENS_PER_AUDIO = 188;

export interface Message {
  role: string;
  text: string;
  images: number;
  hasAudio: boolean;
}

/** One token out of the engine (engine.rs `StreamToken`, simplified). */
export interface EngineToken {
  text?: string;
  reasoning?: string;
  toolStart?: string; // a tool call begins: function name
  toolArgs?: string; // a fragment of its JSON arguments
  finish?: "stop" | "length" | "error";
}

/** server.rs `format_tools_as_system_context`. */
export function formatToolsAsSystemContext(tools: unknown): string {
  if (!Array.isArray(tools) || tools.length === 0) return "";
  const lines = ["Available tools:"];
  for (const tool of tools as Array<Record<string, any>>) {
    const fn = tool?.function ?? {};
    const name = typeof fn.name === "string" ? fn.name : typeof tool?.name === "string" ? tool.name : "<unnamed>";
    const description = typeof fn.description === "string" ? fn.description : typeof tool?.description === "string" ? tool.description : "";
    lines.push(description ? `- ${name}: ${description}` : `- ${name}`);
    const props = fn.parameters?.properties;
    if (props && typeof props === "object" && Object.keys(props).length > 0) {
      const required = new Set(Array.isArray(fn.parameters.required) ? fn.parameters.required : []);
      const parts = Object.entries(props as Record<string, any>).map(
        ([param, schema]) => `${param}${required.has(param) ? "" : "?"}: ${typeof schema?.type === "string" ? schema.type : "any"}`,
      );
      lines.push(`  parameters: ${parts.join(", ")}`);
    }
  }
  return lines.join("\n");
}

/** server.rs `inject_tools_into_messages`: merge into the first system message or prepend one. */
export function injectTools(messages: Message[], summary: string): Message[] {
  if (!summary) return messages;
  const [first, ...rest] = messages;
  if (first?.role === "system") return [{ ...first, text: first.text ? `${first.text}\n\n${summary}` : summary }, ...rest];
  return [{ role: "system", text: summary, images: 0, hasAudio: false }, ...messages];
}

export function promptTokens(messages: Message[], nativeTools?: unknown): number {
  let n = TOKENS_BOS + TOKENS_REPLY_PROMPT;
  for (const m of messages) n += TOKENS_PER_MESSAGE + countTokens(m.text) + m.images * TOKENS_PER_IMAGE + (m.hasAudio ? TOKENS_PER_AUDIO : 0);
  if (nativeTools !== undefined) n += 20 + countTokens(JSON.stringify(nativeTools)); // Qwen3.5's <tools> block
  return n;
}

/** Splits text into word-sized tokens that keep their leading whitespace, like BPE pieces. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.map((t) => t?.function?.name ?? t?.name).filter((n): n is string => typeof n === "string" && n.length > 0);
}

/** The first `{...}` in the text that parses as a JSON object, as compact JSON. */
export function jsonObjectIn(text: string): string | undefined {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    for (let end = text.lastIndexOf("}"); end > start; end = text.lastIndexOf("}", end - 1)) {
      try {
        const v: unknown = JSON.parse(text.slice(start, end + 1));
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return JSON.stringify(v);
      } catch {
        // try a shorter span
      }
    }
  }
  return undefined;
}

export interface AnswerRequest {
  model: LoadedModel;
  /** The messages as sent (tool injection does not matter for the answer). */
  messages: Message[];
  tools?: unknown;
  /** `reasoning_effort` present and not null. */
  thinking: boolean;
  jsonMode: boolean;
  stop: string[];
  maxTokens: number;
}

/** The default answer rule (README.md: "Answers"). */
export function answerText(knobs: Knobs, modelId: string, messages: Message[]): string {
  const last = messages[messages.length - 1];
  const lastUser = [...messages].reverse().find((m) => m.role === "user")?.text ?? "";
  if (knobs.answer === "@echo") return lastUser;
  if (knobs.answer) return knobs.answer;
  if (last && (last.role === "tool" || last.role === "function")) return `The tool returned: ${last.text}`;
  if (/2\s*\+\s*2/.test(lastUser)) return "2 + 2 = 4.";
  return `This is a reply from ${modelId}, served by the inferrs emulator.`;
}

/** What the engine would produce for a chat request, token by token, ending as the engine does. */
export function generateChat(knobs: Knobs, req: AnswerRequest): EngineToken[] {
  const tokens: EngineToken[] = [];
  if (req.thinking && req.model.info.thinking) {
    for (const t of splitTokens("The user wants a short answer, so I will reply directly.")) tokens.push({ reasoning: t });
  }
  const last = req.messages[req.messages.length - 1];
  const tool = req.model.info.nativeTools && last?.role === "user" ? toolNames(req.tools).find((n) => last.text.includes(n)) : undefined;
  if (tool) {
    tokens.push({ toolStart: tool }, { toolArgs: jsonObjectIn(last.text) ?? "{}" });
  } else {
    let text = answerText(knobs, req.model.id, req.messages);
    if (req.jsonMode) text = JSON.stringify({ answer: text });
    for (const s of req.stop) {
      const at = s ? text.indexOf(s) : -1;
      if (at !== -1) text = text.slice(0, at);
    }
    for (const t of splitTokens(text)) tokens.push({ text: t });
  }
  return finishTokens(knobs, tokens, req.maxTokens);
}

/** Plain-text completion (/v1/completions, /api/generate raw): same rules on the prompt text. */
export function generateText(knobs: Knobs, modelId: string, prompt: string, maxTokens: number, stop: string[]): EngineToken[] {
  let text = answerText(knobs, modelId, [{ role: "user", text: prompt, images: 0, hasAudio: false }]);
  for (const s of stop) {
    const at = s ? text.indexOf(s) : -1;
    if (at !== -1) text = text.slice(0, at);
  }
  return finishTokens(knobs, splitTokens(text).map((t) => ({ text: t })), maxTokens);
}

/** Adds the EOS token, or cuts at max_tokens ("length"), or injects the engine error knob. */
function finishTokens(knobs: Knobs, generated: EngineToken[], maxTokens: number): EngineToken[] {
  let out: EngineToken[];
  if (generated.length > maxTokens) {
    out = generated.slice(0, maxTokens);
    if (out.length) out[out.length - 1] = { ...out[out.length - 1], finish: "length" };
    else out.push({ finish: "length" });
  } else out = [...generated, { finish: "stop" }];
  if (knobs.engineError !== undefined) {
    const keep = Math.min(knobs.engineErrorAfterTokens, out.length - 1);
    out = [...out.slice(0, keep).map((t) => ({ ...t, finish: undefined })), { text: `Error: ${knobs.engineError}`, finish: "error" }];
  }
  return out;
}

/** Kills the process the way a crashed engine dies: at once, streams cut, no exit handlers. */
function crash(knobs: Knobs): never {
  process.stderr.write(`inferrs emulator: simulated crash after ${knobs.crashAfterTokens} tokens\n`);
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
}

/** Runs the token list with the per-token delay and the crash knob; calls `emit` for each token. */
export async function runTokens(
  knobs: Knobs,
  tokens: EngineToken[],
  emit: (t: EngineToken) => Promise<void> | void,
  cancelled: () => boolean,
): Promise<void> {
  let generated = 0;
  if (knobs.crashAfterTokens === 0) crash(knobs);
  for (const t of tokens) {
    if (knobs.tokenDelayMs > 0) await sleep(knobs.tokenDelayMs);
    if (cancelled()) return;
    await emit(t);
    generated++;
    if (knobs.crashAfterTokens !== undefined && generated >= knobs.crashAfterTokens) crash(knobs);
  }
}

/** Non-streaming result of a chat completion (server.rs `chat_completions`). */
export function collectChat(tokens: EngineToken[], nativeTools: boolean) {
  const last = tokens[tokens.length - 1];
  const finish = last?.finish ?? "stop";
  if (finish === "error") {
    return { message: { role: "assistant", content: last.text ?? "" }, finish_reason: "error", completion_tokens: 0 };
  }
  const content = tokens.map((t) => t.text ?? "").join(""); // thinking text is dropped
  const name = tokens.find((t) => t.toolStart)?.toolStart;
  const args = tokens.filter((t) => t.toolArgs !== undefined).map((t) => t.toolArgs).join("");
  const completion = tokens.length; // includes the EOS token when finish is "stop"
  if (nativeTools && name && args) {
    return {
      message: { role: "assistant", content: content.trim(), tool_calls: [{ id: "call_0", type: "function", function: { name, arguments: args } }] },
      finish_reason: finish === "stop" ? "tool_calls" : finish,
      completion_tokens: completion,
    };
  }
  return { message: { role: "assistant", content }, finish_reason: finish, completion_tokens: completion };
}

export interface StreamMeta {
  id: string;
  created: number;
  model: string;
}

export function writeSse(res: ServerResponse, data: unknown): Promise<void> {
  const text = `data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.write(text, () => resolve());
  });
}

/** server.rs `make_sse_stream`: role chunk, one chunk per token, [DONE]. */
export async function streamChat(res: ServerResponse, knobs: Knobs, tokens: EngineToken[], meta: StreamMeta): Promise<void> {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  await writeSse(res, chunk({ role: "assistant" }, null));
  let toolCalled = false;
  await runTokens(
    knobs,
    tokens,
    async (t) => {
      const delta: Record<string, unknown> = {};
      if (t.finish === "stop") {
        // EOS: no text, only the finish reason
      } else if (t.toolStart !== undefined) {
        toolCalled = true;
        delta.tool_calls = [{ index: 0, id: "call_0", type: "function", function: { name: t.toolStart, arguments: "" } }];
      } else if (t.toolArgs !== undefined) {
        delta.tool_calls = [{ index: 0, function: { arguments: t.toolArgs } }];
      } else if (t.reasoning) {
        delta.reasoning_content = t.reasoning;
      } else if (t.text) {
        delta.content = t.text;
      }
      if (Object.keys(delta).length === 0 && !t.finish) return; // empty tokens are skipped
      const finish = t.finish === "stop" && toolCalled ? "tool_calls" : (t.finish ?? null);
      await writeSse(res, chunk(delta, finish));
    },
    () => res.destroyed,
  );
  await writeSse(res, "[DONE]");
  res.end();
}
