// Completion generation: crude token counting, a deterministic answer, and the engine's token
// stream (content, reasoning, raw `<tool_call>` blocks, stop strings, EOS / length / error
// endings), plus the OpenAI SSE framing of server.rs `make_sse_stream`.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Knobs } from "./knobs.ts";
import { extractToolCalls, TOOL_CALL_CLOSE, TOOL_CALL_OPEN, ToolCallStreamState } from "./tool-calls.ts";
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
  /** The atomic `<tool_call>` / `</tool_call>` tokens (their text is kept in `text`). */
  sentinel?: "open" | "close";
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

/** The first `{...}` in the text that parses as a JSON object. */
export function jsonObjectIn(text: string): Record<string, unknown> | undefined {
  for (let start = text.indexOf("{"); start !== -1; start = text.indexOf("{", start + 1)) {
    for (let end = text.lastIndexOf("}"); end > start; end = text.lastIndexOf("}", end - 1)) {
      try {
        const v: unknown = JSON.parse(text.slice(start, end + 1));
        if (typeof v === "object" && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
      } catch {
        // try a shorter span
      }
    }
  }
  return undefined;
}

/**
 * The calls a user's text asks for: each tool named right after "use" or "call" (so a context
 * that merely mentions "exec" calls nothing), in the order asked, with the first JSON object
 * between its name and the next request as arguments.
 */
export function requestedToolCalls(text: string, tools: unknown): Array<{ name: string; args: Record<string, unknown> }> {
  const found = toolNames(tools)
    .map((name) => {
      const match = new RegExp(`\\b(?:use|call)\\s+${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "i").exec(text);
      return { name, at: match ? match.index : -1, end: match ? match.index + match[0].length : -1 };
    })
    .filter((f) => f.at !== -1)
    .sort((a, b) => a.at - b.at);
  return found.map((f, i) => ({ name: f.name, args: jsonObjectIn(text.slice(f.end, found[i + 1]?.at ?? text.length)) ?? {} }));
}

/** JSON the way the model writes it (Python's json.dumps spacing), keys in the order given. */
function modelJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(modelJson).join(", ")}]`;
  if (value && typeof value === "object") {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${modelJson(v)}`).join(", ")}}`;
  }
  return JSON.stringify(value);
}

/** BPE-like pieces: short runs of letters/digits or of punctuation, each with its leading space. */
export function fragments(text: string): string[] {
  return text.match(/\s*(?:[\p{L}\p{N}_]{1,4}|[^\s\p{L}\p{N}_]{1,2})|\s+/gu) ?? [];
}

/** What Qwen writes for tool calls: `<tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>`, one per line. */
function toolCallTokens(calls: Array<{ name: string; args: Record<string, unknown> }>): EngineToken[] {
  const tokens: EngineToken[] = [];
  calls.forEach((call, i) => {
    if (i > 0) tokens.push({ text: "\n" });
    tokens.push({ text: TOOL_CALL_OPEN, sentinel: "open" });
    for (const piece of fragments(`\n${modelJson({ name: call.name, arguments: call.args })}\n`)) tokens.push({ text: piece });
    tokens.push({ text: TOOL_CALL_CLOSE, sentinel: "close" });
  });
  return tokens;
}

/** engine.rs `check_stop`: generation ends on the token after which the text ends with a stop string. */
function cutAtStop(tokens: EngineToken[], stop: string[]): EngineToken[] {
  let text = "";
  for (let i = 0; i < tokens.length; i++) {
    text += tokens[i]!.text ?? tokens[i]!.reasoning ?? "";
    if (stop.some((s) => s && text.endsWith(s))) return [...tokens.slice(0, i), { ...tokens[i]!, finish: "stop" }];
  }
  return tokens;
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

/**
 * The turn the model answers: the user messages after the last assistant or tool message (OpenClaw
 * sends its internal context as a user message after the user's own), and the tool results just
 * before them.
 */
function currentTurn(messages: Message[]): { userText: string; toolResults: Message[] } {
  let i = messages.length;
  while (i > 0 && messages[i - 1]!.role === "user") i--;
  const userText = messages.slice(i).map((m) => m.text).join("\n");
  let j = i;
  while (j > 0 && (messages[j - 1]!.role === "tool" || messages[j - 1]!.role === "function")) j--;
  return { userText, toolResults: messages.slice(j, i) };
}

/** The default answer rule (README.md: "Answers"). */
export function answerText(knobs: Knobs, modelId: string, messages: Message[]): string {
  const lastUser = [...messages].reverse().find((m) => m.role === "user")?.text ?? "";
  if (knobs.answer === "@echo") return lastUser;
  if (knobs.answer) return knobs.answer;
  const turn = currentTurn(messages);
  if (turn.toolResults.length > 0) return `The tool returned: ${turn.toolResults.map((m) => m.text).join("; ")}`;
  if (/2\s*\+\s*2/.test(turn.userText)) return "2 + 2 is 4.";
  return `This is a reply from ${modelId}, served by the inferrs emulator.`;
}

/** What the engine would produce for a chat request, token by token, ending as the engine does. */
export function generateChat(knobs: Knobs, req: AnswerRequest): EngineToken[] {
  const tokens: EngineToken[] = [];
  if (req.thinking && req.model.info.thinking) {
    for (const t of splitTokens("The user wants a short answer, so I will reply directly.")) tokens.push({ reasoning: t });
  }
  // Only for what the user asks now: right after a tool result the model answers.
  const turn = currentTurn(req.messages);
  const calls = req.model.info.nativeTools && turn.toolResults.length === 0 ? requestedToolCalls(turn.userText, req.tools) : [];
  if (calls.length > 0) {
    tokens.push(...toolCallTokens(calls));
  } else {
    let text = answerText(knobs, req.model.id, req.messages);
    if (req.jsonMode) text = JSON.stringify({ answer: text });
    for (const t of splitTokens(text)) tokens.push({ text: t });
  }
  return finishTokens(knobs, cutAtStop(tokens, req.stop), req.maxTokens);
}

/** Plain-text completion (/v1/completions, /api/generate raw): same rules on the prompt text. */
export function generateText(knobs: Knobs, modelId: string, prompt: string, maxTokens: number, stop: string[]): EngineToken[] {
  const text = answerText(knobs, modelId, [{ role: "user", text: prompt, images: 0, hasAudio: false }]);
  return finishTokens(knobs, cutAtStop(splitTokens(text).map((t) => ({ text: t })), stop), maxTokens);
}

/** Adds the EOS token (unless a stop string ended it), or cuts at max_tokens ("length"), or injects the engine error knob. */
function finishTokens(knobs: Knobs, generated: EngineToken[], maxTokens: number): EngineToken[] {
  let out = generated.at(-1)?.finish ? generated : [...generated, { finish: "stop" as const }];
  if (out.length > maxTokens) {
    out = out.slice(0, maxTokens);
    if (out.length) out[out.length - 1] = { ...out[out.length - 1], finish: "length" };
    else out.push({ finish: "length" });
  }
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

/**
 * Non-streaming result of a chat completion (server.rs `chat_completions`): the decoded text
 * keeps stop strings and `<tool_call>` blocks, which are parsed out when `nativeTools` (the
 * template renders tools and the request has them).
 */
export function collectChat(tokens: EngineToken[], nativeTools: boolean) {
  const last = tokens[tokens.length - 1];
  const finish = last?.finish ?? "stop";
  if (finish === "error") {
    return { message: { role: "assistant", content: last.text ?? "" }, finish_reason: "error", completion_tokens: 0 };
  }
  const output = tokens.map((t) => t.text ?? "").join(""); // thinking text is dropped
  const completion = tokens.length; // includes the EOS token when the model ended the answer
  const { content, calls } = nativeTools ? extractToolCalls(output) : { content: output, calls: [] };
  if (calls.length > 0) {
    return {
      message: {
        role: "assistant",
        content,
        tool_calls: calls.map((c, i) => ({ id: `call_${i}`, type: "function", function: { name: c.name, arguments: c.arguments } })),
      },
      finish_reason: finish === "stop" ? "tool_calls" : finish,
      completion_tokens: completion,
    };
  }
  return { message: { role: "assistant", content: output }, finish_reason: finish, completion_tokens: completion };
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

/** One streamed tool-call entry (server.rs `StreamingToolCall`). */
type StreamingToolCall = { index: number; id?: string; type?: "function"; function: { name?: string; arguments?: string } };

/**
 * server.rs `make_sse_stream`: role chunk, one chunk per token, [DONE]. With `toolState` (native
 * template and tools in the request) tokens go through the tool-call filter, and an unclosed
 * call is flushed as content after the last chunk. `onChunk` sees every event's data.
 */
export async function streamChat(
  res: ServerResponse,
  knobs: Knobs,
  tokens: EngineToken[],
  meta: StreamMeta,
  toolState: ToolCallStreamState | undefined,
  onChunk: (data: unknown) => void,
): Promise<void> {
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id: meta.id,
    object: "chat.completion.chunk",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
  const send = (data: unknown) => {
    onChunk(data);
    return writeSse(res, data);
  };
  await send(chunk({ role: "assistant" }, null));
  let toolCalled = false;
  await runTokens(
    knobs,
    tokens,
    async (t) => {
      const isStop = t.finish === "stop"; // the EOS (or stop-string) token's text is not sent
      let content: string | undefined;
      let toolCalls: StreamingToolCall[] | undefined;
      if (toolState) {
        let text = "";
        const calls: StreamingToolCall[] = [];
        for (const event of toolState.push(t.text ?? "", t.sentinel)) {
          if (event.kind === "content") text += event.text;
          else if (event.kind === "start") {
            toolCalled = true;
            calls.push({ index: event.index, id: event.id, type: "function", function: { name: event.name, arguments: "" } });
          } else if (event.kind === "args") calls.push({ index: event.index, function: { arguments: event.delta } });
        }
        content = isStop || !text ? undefined : text;
        toolCalls = calls.length ? calls : undefined;
      } else content = isStop || !t.text ? undefined : t.text;
      const reasoning = t.reasoning || undefined;
      if (content === undefined && reasoning === undefined && toolCalls === undefined && !t.finish) return; // empty tokens are skipped
      const delta: Record<string, unknown> = {};
      if (content !== undefined) delta.content = content;
      if (reasoning !== undefined) delta.reasoning_content = reasoning;
      if (toolCalls) delta.tool_calls = toolCalls;
      await send(chunk(delta, isStop && toolCalled ? "tool_calls" : (t.finish ?? null)));
    },
    () => res.destroyed,
  );
  for (const event of toolState?.flush() ?? []) {
    if (event.kind === "content" && event.text) await send(chunk({ content: event.text }, null));
  }
  await send("[DONE]");
  res.end();
}
