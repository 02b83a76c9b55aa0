// Deterministic OpenAI-shaped answers in llama-server's framing (chat completions, streamed or
// not, with reasoning_content and native tool_calls; embeddings), used by the llama-server
// stand-in and by the emulated hosted providers.
import { randomBytes } from "node:crypto";
import { countTokens, requestedToolCalls, splitTokens } from "../chat.ts";
import { embedVector } from "../embeddings.ts";

type Json = Record<string, any>;

export interface AnswerContext {
  /** LLMMAN_EMU_ANSWER: fixed text, or `@echo` (repeat the last user message). */
  answer?: string;
  /** Who answers, for the default text (`This is a reply from <model>, served by <servedBy>.`). */
  servedBy: string;
  /** The model's template thinks: reasoning_content unless `enable_thinking: false`. */
  thinking: boolean;
  /** The model's template renders `tools`: native tool calls. */
  tools: boolean;
}

export interface ChatPlan {
  reasoning?: string;
  content: string;
  toolCall?: { id: string; name: string; arguments: string };
  finish: "stop" | "length" | "tool_calls";
  promptTokens: number;
  completionTokens: number;
}

export function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p) => (p?.type === "text" && typeof p.text === "string" ? p.text : "")).join("");
  return "";
}

/** What the model answers to a chat request (README.md "Answers"). */
export function planChat(body: Json, ctx: AnswerContext, modelLabel: string): ChatPlan {
  const messages: Json[] = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const lastUser = textOf([...messages].reverse().find((m) => m?.role === "user")?.content);
  let promptTokens = 3;
  for (const m of messages) promptTokens += 4 + countTokens(textOf(m?.content));
  if (body.tools !== undefined) promptTokens += 20 + countTokens(JSON.stringify(body.tools));

  const thinking = ctx.thinking && body.chat_template_kwargs?.enable_thinking !== false;
  const reasoning = thinking ? "The user wants a short answer, so I will reply directly." : undefined;
  // As the inferrs emulator: only a tool the user's turn asks for ("use/call <tool>"), never after
  // a tool result (OpenClaw's own context names tools such as exec in every turn).
  const call = ctx.tools && last?.role === "user" ? requestedToolCalls(textOf(last.content), body.tools)[0] : undefined;
  const tool = call?.name;
  const reasoningTokens = reasoning ? splitTokens(reasoning).length : 0;
  if (call && tool) {
    const args = JSON.stringify(call.args);
    const id = `call_${randomBytes(12).toString("base64url").slice(0, 16)}`;
    return { reasoning, content: "", toolCall: { id, name: tool, arguments: args }, finish: "tool_calls", promptTokens, completionTokens: reasoningTokens + countTokens(args) + 3 };
  }
  let content: string;
  if (ctx.answer === "@echo") content = lastUser;
  else if (ctx.answer) content = ctx.answer;
  else if (last && last.role === "tool") content = `The tool returned: ${textOf(last.content)}`;
  else if (/2\s*\+\s*2/.test(lastUser)) content = "2 + 2 = 4.";
  else content = `This is a reply from ${modelLabel}, served by ${ctx.servedBy}.`;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  let pieces = splitTokens(content);
  let finish: ChatPlan["finish"] = "stop";
  if (Number.isInteger(limit) && limit >= 0 && pieces.length > limit) {
    pieces = pieces.slice(0, limit);
    finish = "length";
  }
  return { reasoning, content: pieces.join(""), finish, promptTokens, completionTokens: reasoningTokens + pieces.length + (finish === "stop" ? 1 : 0) };
}

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  fingerprint: string;
}

export function newMeta(model: string, fingerprint: string): ResponseMeta {
  return { id: `chatcmpl-${randomBytes(16).toString("base64url").slice(0, 32)}`, created: Math.floor(Date.now() / 1000), model, fingerprint };
}

function usage(plan: ChatPlan) {
  return { completion_tokens: plan.completionTokens, prompt_tokens: plan.promptTokens, total_tokens: plan.promptTokens + plan.completionTokens };
}

function timings(plan: ChatPlan) {
  return { prompt_n: plan.promptTokens, prompt_ms: plan.promptTokens * 0.4, predicted_n: plan.completionTokens, predicted_ms: plan.completionTokens * 12 };
}

/** A non-streaming `chat.completion` as llama-server shapes it. */
export function chatResponse(plan: ChatPlan, meta: ResponseMeta): Json {
  const message: Json = { role: "assistant", content: plan.toolCall ? null : plan.content };
  if (plan.reasoning) message.reasoning_content = plan.reasoning;
  if (plan.toolCall) message.tool_calls = [{ type: "function", function: { name: plan.toolCall.name, arguments: plan.toolCall.arguments }, id: plan.toolCall.id }];
  return {
    choices: [{ finish_reason: plan.finish, index: 0, message }],
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    object: "chat.completion",
    usage: usage(plan),
    id: meta.id,
    timings: timings(plan),
  };
}

/** The SSE payloads of a streamed answer (without `[DONE]`): role, reasoning, content or tool-call fragments, finish + usage. */
export function chatChunks(plan: ChatPlan, meta: ResponseMeta): Json[] {
  const chunk = (delta: Json, finish: string | null = null): Json => ({
    choices: [{ finish_reason: finish, index: 0, delta }],
    created: meta.created,
    id: meta.id,
    model: meta.model,
    system_fingerprint: meta.fingerprint,
    object: "chat.completion.chunk",
  });
  const out: Json[] = [chunk({ role: "assistant", content: null })];
  for (const piece of splitTokens(plan.reasoning ?? "")) out.push(chunk({ reasoning_content: piece }));
  if (plan.toolCall) {
    const { id, name, arguments: args } = plan.toolCall;
    out.push(chunk({ tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }] }));
    for (let i = 0; i < args.length; i += 6) out.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 6) } }] }));
  } else {
    for (const piece of splitTokens(plan.content)) out.push(chunk({ content: piece }));
  }
  out.push({ ...chunk({}, plan.finish), usage: usage(plan), timings: timings(plan) });
  return out;
}

/** llama-server's OpenAI embeddings answer; undefined input entries or empty texts are the caller's 400. */
export function embeddingsResponse(inputs: string[], dims: number, model: string): Json | undefined {
  const vectors = inputs.map((s) => embedVector(s, dims));
  if (vectors.some((v) => v === undefined)) return undefined;
  const tokens = inputs.reduce((n, s) => n + 1 + countTokens(s), 0);
  return {
    model,
    object: "list",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
    data: vectors.map((embedding, index) => ({ embedding, index, object: "embedding" })),
  };
}
