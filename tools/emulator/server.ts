// The HTTP surface of inferrs (server.rs `run` routes): status codes, headers and bodies as axum
// 0.7 + tower-http's permissive CORS layer produce them.
import { randomUUID } from "node:crypto";
import { lstatSync, readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  collectChat,
  countTokens,
  type EngineToken,
  formatToolsAsSystemContext,
  generateChat,
  generateText,
  injectTools,
  type Message,
  promptTokens,
  runTokens,
  streamChat,
  TOKENS_BOS,
  writeSse,
} from "./chat.ts";
import type { ServeArgs } from "./clap.ts";
import { embedText } from "./embeddings.ts";
import { hubCacheDir, listCachedModels, repoFolder } from "./hf-cache.ts";
import { type Knobs, RELEASES, since } from "./knobs.ts";
import type { Logger, RequestLog } from "./log.ts";
import * as schemas from "./schemas.ts";
import { ToolCallStreamState } from "./tool-calls.ts";
import { deserialize, rejectionOf, type Schema, SerdeError } from "./serde.ts";
import { HttpError, type LoadedModel, type ModelSlot, modelMatches, openaiError, unixNow } from "./slot.ts";

export interface AppContext {
  args: ServeArgs;
  knobs: Knobs;
  log: Logger;
  requestLog: RequestLog;
  slot: ModelSlot;
  env: NodeJS.ProcessEnv;
}

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  ctx: AppContext;
}

type Handler = (r: Request) => Promise<void> | void;

const BODY_LIMIT = 64 * 1024 * 1024;
const PLACEHOLDER_DIGEST = `sha256:${"0".repeat(64)}`;
const PLACEHOLDER_DETAILS = { format: "safetensors", family: "", parameter_size: "", quantization_level: "" };

// ── responses ─────────────────────────────────────────────────────────────

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "*",
  vary: "origin, access-control-request-method, access-control-request-headers",
};

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...CORS, ...headers, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), { "content-type": "application/json" });
}

function text(res: ServerResponse, status: number, body: string): void {
  send(res, status, body, { "content-type": "text/plain; charset=utf-8" });
}

function sendError(res: ServerResponse, e: HttpError): void {
  if (typeof e.body === "string") text(res, e.status, e.body);
  else json(res, e.status, e.body);
}

function startStream(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { ...CORS, "content-type": contentType, "cache-control": "no-cache" });
}

// ── the Json extractor ────────────────────────────────────────────────────

/** axum 0.7 `json_content_type`: application/json or application/*+json. */
function isJsonContentType(header: string | undefined): boolean {
  const m = /^\s*([!#$%&'*+.^_`|~\w-]+)\/([!#$%&'*+.^_`|~\w-]+)\s*(;.*)?$/.exec(header ?? "");
  if (!m) return false;
  const [type, subtype] = [m[1].toLowerCase(), m[2].toLowerCase()];
  return type === "application" && (subtype === "json" || subtype.endsWith("+json"));
}

function extract<T>(r: Request, schema: Schema): T {
  if (!isJsonContentType(r.req.headers["content-type"])) {
    throw new HttpError(415, "Expected request with `Content-Type: application/json`");
  }
  try {
    return deserialize(r.body, schema) as T;
  } catch (e) {
    if (!(e instanceof SerdeError)) throw e;
    const { status, text: body } = rejectionOf(e);
    throw new HttpError(status, body);
  }
}

// ── shared request pieces ─────────────────────────────────────────────────

type Json = Record<string, any>;

function toMessages(raw: Json[]): Message[] {
  return raw.map((m) => {
    const content = m.content;
    const textOf = typeof content === "string" ? content : (content?.text ?? "");
    const parts: Json[] = Array.isArray(content?.parts) ? content.parts : [];
    return {
      role: m.role,
      text: textOf,
      images: parts.filter((p) => p.type === "image_url" && p.image_url).length,
      hasAudio: m.audio !== undefined,
    };
  });
}

function stopList(stop: unknown): string[] {
  if (typeof stop === "string") return [stop];
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === "string") : [];
}

/** server.rs `clamp_max_tokens`. */
function clampMaxTokens(ctx: AppContext, requested: number, prompt: number, maxSeqLen: number): number {
  if (!Number.isFinite(maxSeqLen)) return requested;
  const available = Math.max(0, maxSeqLen - prompt);
  if (requested > available) {
    ctx.log.warn("inferrs::server", `Clamping max_tokens from ${requested} to ${available} (model KV cache capacity: ${maxSeqLen} tokens, prompt: ${prompt})`);
  }
  return Math.min(requested, available);
}

function promptTooLong(prompt: number, maxSeqLen: number): HttpError | undefined {
  if (!Number.isFinite(maxSeqLen) || prompt < maxSeqLen) return undefined;
  return openaiError(400, `Prompt length (${prompt} tokens) exceeds the model's maximum context length (${maxSeqLen} tokens).`, "invalid_request_error");
}

/** Runs tokens on the model's engine (one request at a time without paged attention). */
async function onEngine<T>(model: LoadedModel, f: () => Promise<T>): Promise<T> {
  const release = await model.engine.acquire();
  try {
    return await f();
  } finally {
    release();
  }
}

async function collect(r: Request, tokens: EngineToken[]): Promise<EngineToken[]> {
  const out: EngineToken[] = [];
  await runTokens(r.ctx.knobs, tokens, (t) => void out.push(t), () => r.res.destroyed);
  return out;
}

// ── OpenAI routes ─────────────────────────────────────────────────────────

async function chatCompletions(r: Request): Promise<void> {
  const { ctx } = r;
  const body = extract<Json>(r, schemas.chatCompletionRequest(ctx.knobs.release));
  const id = `chatcmpl-${randomUUID()}`;
  const created = unixNow();
  const model = await ctx.slot.resolveOpenAI(body.model);
  const messages = toMessages(body.messages);

  const toolsActive = since(ctx.knobs, RELEASES.toolsFolded) && body.tools !== undefined;
  let promptMessages = messages;
  let nativeTools: unknown;
  if (toolsActive && model.info.nativeTools) {
    ctx.log.info("inferrs::server", `Request ${id}: tools provided — rendered natively via chat template`);
    nativeTools = body.tools;
  } else if (toolsActive) {
    ctx.log.info("inferrs::server", `Request ${id}: tools provided — injecting as system context`);
    promptMessages = injectTools(messages, formatToolsAsSystemContext(body.tools));
  }

  const audio = messages.filter((m) => m.hasAudio).length;
  const images = messages.reduce((n, m) => n + m.images, 0);
  if (audio > 0 && model.info.audioTokenId === undefined) {
    throw openaiError(400, "This model does not support audio input (no audio_token_id in config)", "invalid_request_error");
  }
  if (audio > 1) throw openaiError(400, "Only one audio input per request is currently supported", "invalid_request_error");
  if (audio === 0 && images > 0 && model.info.imageTokenId === undefined) {
    throw openaiError(400, "This model does not support vision input (no image_token_id in config)", "invalid_request_error");
  }

  const prompt = promptTokens(promptMessages, nativeTools);
  const note = audio ? " (with audio)" : images ? " (with image)" : "";
  ctx.log.info("inferrs::server", `Request ${id}: ${body.messages.length} messages, ${prompt} prompt tokens${note}`);
  const tooLong = promptTooLong(prompt, model.info.maxSeqLen);
  if (tooLong) throw tooLong;

  const requested = body.max_completion_tokens ?? body.max_tokens ?? ctx.args.maxTokens;
  const maxTokens = clampMaxTokens(ctx, requested, prompt, model.info.maxSeqLen);
  const format = body.response_format?.type;
  const tokens = generateChat(ctx.knobs, {
    model,
    messages,
    tools: toolsActive ? body.tools : undefined,
    thinking: body.reasoning_effort !== undefined,
    jsonMode: format === "json_object" || format === "json_schema",
    stop: stopList(body.stop),
    maxTokens,
  });

  await onEngine(model, async () => {
    const parseToolCalls = model.info.nativeTools && toolsActive;
    if (body.stream === true) {
      startStream(r.res, "text/event-stream");
      const toolState = parseToolCalls ? new ToolCallStreamState() : undefined;
      await streamChat(r.res, ctx.knobs, tokens, { id, created, model: model.id }, toolState, (data) =>
        ctx.requestLog.write({ event: "chunk", id, data }),
      );
      return;
    }
    const out = collectChat(await collect(r, tokens), parseToolCalls);
    json(r.res, 200, {
      id,
      object: "chat.completion",
      created,
      model: model.id,
      choices: [{ index: 0, message: out.message, finish_reason: out.finish_reason }],
      usage: { prompt_tokens: prompt, completion_tokens: out.completion_tokens, total_tokens: prompt + out.completion_tokens },
    });
  });
}

async function completions(r: Request): Promise<void> {
  const { ctx } = r;
  const body = extract<Json>(r, schemas.completionRequest);
  const id = `cmpl-${randomUUID()}`;
  const created = unixNow();
  const model = await ctx.slot.resolveOpenAI(body.model);
  const prompt = TOKENS_BOS + countTokens(body.prompt);
  const tooLong = promptTooLong(prompt, model.info.maxSeqLen);
  if (tooLong) throw tooLong;
  const maxTokens = clampMaxTokens(ctx, body.max_tokens ?? ctx.args.maxTokens, prompt, model.info.maxSeqLen);
  const tokens = generateText(ctx.knobs, model.id, body.prompt, maxTokens, stopList(body.stop));
  const chunk = (textPart: string, finish: string | null) => ({
    id, object: "text_completion", created, model: model.id, choices: [{ index: 0, text: textPart, finish_reason: finish }],
  });

  await onEngine(model, async () => {
    if (body.stream === true) {
      startStream(r.res, "text/event-stream");
      await runTokens(ctx.knobs, tokens, (t) => writeSse(r.res, chunk(t.finish === "stop" ? "" : (t.text ?? ""), t.finish ?? null)), () => r.res.destroyed);
      await writeSse(r.res, "[DONE]");
      r.res.end();
      return;
    }
    const out = await collect(r, tokens);
    const last = out[out.length - 1];
    const failed = last?.finish === "error";
    const completion = failed ? 0 : out.length;
    json(r.res, 200, {
      id,
      object: "text_completion",
      created,
      model: model.id,
      choices: [{ index: 0, text: failed ? (last.text ?? "") : out.map((t) => t.text ?? "").join(""), finish_reason: last?.finish ?? "stop" }],
      usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    });
  });
}

function listModels(r: Request): void {
  const { ctx } = r;
  const now = unixNow();
  const loaded = ctx.slot.readyModel()?.id;
  if (!since(ctx.knobs, RELEASES.cacheListing)) {
    // Old releases listed the loaded model only (nothing while loading).
    json(r.res, 200, { object: "list", data: loaded ? [{ id: loaded, object: "model", created: now, owned_by: "inferrs" }] : [] });
    return;
  }
  const data = listCachedModels(hubCacheDir(ctx.env)).map((m) => ({
    id: m.id,
    object: "model",
    created: m.created ?? now,
    owned_by: m.id === loaded ? "inferrs (loaded)" : "inferrs",
  }));
  if (loaded && !data.some((m) => m.id === loaded)) data.push({ id: loaded, object: "model", created: now, owned_by: "inferrs (loaded)" });
  json(r.res, 200, { object: "list", data });
}

function health(r: Request): void {
  const s = r.ctx.slot.state;
  if (s.kind === "loading") json(r.res, 503, { status: "loading" });
  else if (s.kind === "failed") json(r.res, 500, { status: "error" });
  else json(r.res, 200, { status: "ok" });
}

/**
 * server.rs `worker_fields`: in daemon mode the loaded model runs in a worker process the daemon
 * proxies to, and the embedding routes, which never proxy, refuse it.
 */
function inProcessModel(ctx: AppContext, model: LoadedModel): LoadedModel {
  if (ctx.slot.configured === undefined) throw new HttpError(500, { error: "unexpected proxy backend in worker context" });
  return model;
}

/** server.rs `embeddings`: the model in the slot, never one loaded on demand. */
function embeddingModel(ctx: AppContext): LoadedModel {
  const s = ctx.slot.state;
  if (s.kind === "ready") return inProcessModel(ctx, s.model);
  if (s.kind === "loading") throw new HttpError(503, { error: "model is loading" });
  if (s.kind === "failed") throw new HttpError(500, { error: `model load failed: ${s.error}` });
  throw new HttpError(503, { error: "no model loaded" });
}

function embeddings(r: Request): void {
  const body = extract<Json>(r, schemas.embeddingRequest);
  const model = embeddingModel(r.ctx);
  const inputs: string[] = typeof body.input === "string" ? [body.input] : body.input;
  const vectors = inputs.map((s) => embedText(model, s));
  const tokens = inputs.reduce((n, s) => n + TOKENS_BOS + countTokens(s), 0);
  json(r.res, 200, {
    object: "list",
    data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })),
    model: model.id,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

// ── Anthropic route ───────────────────────────────────────────────────────

function anthropicError(status: number, type: string, message: string): HttpError {
  return new HttpError(status, { type: "error", error: { type, message } });
}

async function anthropicMessages(r: Request): Promise<void> {
  const { ctx } = r;
  const body = extract<Json>(r, schemas.anthropicMessagesRequest);
  const id = `msg_${randomUUID()}`;
  let model: LoadedModel;
  try {
    model = await ctx.slot.resolveOpenAI(body.model);
  } catch (e) {
    if (e instanceof HttpError) throw anthropicError(e.status, "api_error", (e.body as Json).error.message);
    throw e;
  }
  const messages: Message[] = [
    ...(body.system ? [{ role: "system", text: body.system as string, images: 0, hasAudio: false }] : []),
    ...(body.messages as Json[]).map((m) => ({ role: m.role as string, text: m.content as string, images: 0, hasAudio: false })),
  ];
  const prompt = promptTokens(messages);
  ctx.log.info("inferrs::server", `Anthropic request ${id}: ${body.messages.length} messages, ${prompt} prompt tokens`);
  if (Number.isFinite(model.info.maxSeqLen) && prompt >= model.info.maxSeqLen) {
    throw anthropicError(400, "invalid_request_error", `Prompt length (${prompt} tokens) exceeds the model's maximum context length (${model.info.maxSeqLen} tokens).`);
  }
  const maxTokens = clampMaxTokens(ctx, body.max_tokens, prompt, model.info.maxSeqLen);
  const tokens = generateChat(ctx.knobs, { model, messages, thinking: false, jsonMode: false, stop: [], maxTokens });
  const stopReason = (finish: string | undefined) => (finish === "length" ? "max_tokens" : "end_turn");

  await onEngine(model, async () => {
    if (body.stream === true) {
      startStream(r.res, "text/event-stream");
      const event = (name: string, data: unknown) =>
        new Promise<void>((resolve) => (r.res.destroyed ? resolve() : r.res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`, () => resolve())));
      await event("message_start", {
        type: "message_start",
        message: { id, type: "message", role: "assistant", content: [], model: model.id, stop_reason: null, stop_sequence: null, usage: { input_tokens: prompt, output_tokens: 0 } },
      });
      await event("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      await event("ping", { type: "ping" });
      let finish: string | undefined;
      let count = 0;
      await runTokens(ctx.knobs, tokens, async (t) => {
        count++;
        if (t.finish) finish = t.finish;
        if (t.text && t.finish !== "stop") await event("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t.text } });
      }, () => r.res.destroyed);
      await event("content_block_stop", { type: "content_block_stop", index: 0 });
      await event("message_delta", { type: "message_delta", delta: { stop_reason: stopReason(finish), stop_sequence: null }, usage: { input_tokens: prompt, output_tokens: count } });
      await event("message_stop", { type: "message_stop" });
      r.res.end();
      return;
    }
    const out = await collect(r, tokens);
    const last = out[out.length - 1];
    json(r.res, 200, {
      id,
      type: "message",
      role: "assistant",
      content: [{ type: "text", text: last?.finish === "error" ? (last.text ?? "") : out.map((t) => t.text ?? "").join("") }],
      model: model.id,
      stop_reason: stopReason(last?.finish),
      stop_sequence: null,
      usage: { input_tokens: prompt, output_tokens: last?.finish === "error" ? 0 : out.length },
    });
  });
}

// ── Ollama routes ─────────────────────────────────────────────────────────

function rfc3339(secs: number): string {
  return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function dirSize(path: string): number {
  let total = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += dirSize(p);
    else if (e.isFile()) total += lstatSync(p).size; // symlinks (snapshots → blobs) are not followed
  }
  return total;
}

function ollamaTags(r: Request): void {
  const hub = hubCacheDir(r.ctx.env);
  const loaded = r.ctx.slot.readyModel()?.id;
  const models = listCachedModels(hub).map((m) => ({
    name: m.id,
    model: m.id,
    modified_at: m.created !== undefined ? rfc3339(m.created) : "2025-01-01T00:00:00Z",
    size: dirSize(join(hub, repoFolder(m.id))),
    digest: PLACEHOLDER_DIGEST,
    details: PLACEHOLDER_DETAILS,
  }));
  if (loaded && !models.some((m) => m.name === loaded)) {
    models.push({ name: loaded, model: loaded, modified_at: "2025-01-01T00:00:00Z", size: 0, digest: PLACEHOLDER_DIGEST, details: PLACEHOLDER_DETAILS });
  }
  json(r.res, 200, { models });
}

function ollamaPs(r: Request): void {
  const m = r.ctx.slot.readyModel();
  json(r.res, 200, {
    models: m
      ? [{ name: m.id, model: m.id, size: 0, digest: PLACEHOLDER_DIGEST, details: PLACEHOLDER_DETAILS, expires_at: "0001-01-01T00:00:00Z", size_vram: 0 }]
      : [],
  });
}

async function ollamaShow(r: Request): Promise<void> {
  const body = extract<Json>(r, schemas.ollamaShowRequest);
  // Like real inferrs, this loads the named model, replacing the served one if the name differs.
  const model = await r.ctx.slot.loadOnDemand(body.model);
  if (!modelMatches(model.id, body.model)) throw new HttpError(404, { error: `model '${body.model}' not found` });
  json(r.res, 200, { modelfile: `FROM ${body.model}`, parameters: "", template: "", details: PLACEHOLDER_DETAILS, model_info: {} });
}

function ollamaPull(r: Request): void {
  const body = extract<Json>(r, schemas.ollamaPullRequest);
  const name = (body.model ?? "").trim() || (body.name ?? "").trim();
  if (!name) throw new HttpError(400, { error: "`model` or `name` is required" });
  const host = name.split("/")[0];
  const oci = !name.includes("/") || host.includes(".") || host.includes(":") || host === "localhost";
  if (!oci) {
    throw new HttpError(400, {
      error:
        "/api/pull only supports OCI references. Use a single-word model like `gemma3` or an explicit registry reference like `docker.io/ai/gemma3:latest`. Bare `org/model` references are treated as Hugging Face models.",
    });
  }
  throw new HttpError(500, { error: `inferrs emulator: OCI pulls are not emulated (${name})` });
}

/** Ollama chat/generate: NDJSON stream by default, `model` echoes the requested name. */
async function ollamaRespond(r: Request, name: string, stream: boolean, tokens: EngineToken[], prompt: number, kind: "chat" | "generate"): Promise<void> {
  const created = () => new Date().toISOString();
  const piece = (s: string) => (kind === "chat" ? { message: { role: "assistant", content: s } } : { response: s });
  const start = process.hrtime.bigint();
  const timings = () => {
    const total = Number(process.hrtime.bigint() - start);
    return { total_duration: total, load_duration: 0, prompt_eval_duration: Math.floor(total / 10), eval_duration: total - Math.floor(total / 10) };
  };
  if (stream) {
    startStream(r.res, "application/x-ndjson");
    let count = 0;
    let finish: string | undefined;
    await runTokens(r.ctx.knobs, tokens, async (t) => {
      count++;
      finish = t.finish;
      if (t.text && t.finish !== "stop") {
        await new Promise<void>((resolve) => r.res.write(`${JSON.stringify({ model: name, created_at: created(), ...piece(t.text!), done: false })}\n`, () => resolve()));
      }
    }, () => r.res.destroyed);
    const final = { model: name, created_at: created(), ...piece(""), done: true, done_reason: finish === "length" ? "length" : "stop", prompt_eval_count: prompt, eval_count: count, ...timings() };
    r.res.end(`${JSON.stringify(final)}\n`);
    return;
  }
  const out = await collect(r, tokens);
  const last = out[out.length - 1];
  json(r.res, 200, {
    model: name,
    created_at: created(),
    ...piece(out.map((t) => t.text ?? "").join("")),
    done: true,
    done_reason: last?.finish === "length" ? "length" : "stop",
    prompt_eval_count: prompt,
    eval_count: out.length,
    ...timings(),
  });
}

async function ollamaChat(r: Request): Promise<void> {
  const body = extract<Json>(r, schemas.ollamaChatRequest);
  const model = await r.ctx.slot.loadOnDemand(body.model);
  const messages: Message[] = (body.messages as Json[]).map((m) => ({ role: m.role, text: m.content, images: (m.images ?? []).length, hasAudio: false }));
  const prompt = promptTokens(messages, model.info.nativeTools ? body.tools : undefined);
  const maxTokens = clampMaxTokens(r.ctx, body.options?.num_predict ?? r.ctx.args.maxTokens, prompt, model.info.maxSeqLen);
  // Ollama tool calls are not emulated: the tools only count as prompt tokens.
  const tokens = generateChat(r.ctx.knobs, { model, messages, thinking: false, jsonMode: false, stop: stopList(body.options?.stop), maxTokens });
  await onEngine(model, () => ollamaRespond(r, body.model, body.stream !== false, tokens, prompt, "chat"));
}

async function ollamaGenerate(r: Request): Promise<void> {
  const { ctx } = r;
  const body = extract<Json>(r, schemas.ollamaGenerateRequest);
  const created = new Date().toISOString();
  if (!body.prompt && body.keep_alive === 0) {
    // `inferrs stop` / `ollama stop`: unload the model.
    const current = ctx.slot.readyModel();
    if (current && modelMatches(current.id, body.model)) ctx.slot.state = { kind: "empty" };
    json(r.res, 200, { model: body.model, created_at: created, response: "", done: true, done_reason: "unload" });
    return;
  }
  const model = await ctx.slot.loadOnDemand(body.model);
  if (!body.prompt) {
    json(r.res, 200, { model: body.model, created_at: created, response: "", done: true, done_reason: "load" });
    return;
  }
  const messages: Message[] = [
    ...(body.system ? [{ role: "system", text: body.system as string, images: 0, hasAudio: false }] : []),
    { role: "user", text: body.prompt, images: 0, hasAudio: false },
  ];
  const prompt = body.raw ? TOKENS_BOS + countTokens(body.prompt) : promptTokens(messages);
  const maxTokens = clampMaxTokens(ctx, body.options?.num_predict ?? ctx.args.maxTokens, prompt, model.info.maxSeqLen);
  const tokens = body.raw
    ? generateText(ctx.knobs, model.id, body.prompt, maxTokens, stopList(body.options?.stop))
    : generateChat(ctx.knobs, { model, messages, thinking: false, jsonMode: false, stop: stopList(body.options?.stop), maxTokens });
  await onEngine(model, () => ollamaRespond(r, body.model, body.stream !== false, tokens, prompt, "generate"));
}

function ollamaEmbed(r: Request): void {
  const body = extract<Json>(r, schemas.ollamaEmbedRequest);
  // server.rs `ollama_embed`: 404 unless a model is ready.
  const ready = r.ctx.slot.readyModel();
  if (!ready) throw new HttpError(404, { error: "no model loaded" });
  const model = inProcessModel(r.ctx, ready);
  const inputs: string[] = typeof body.input === "string" ? [body.input] : body.input;
  json(r.res, 200, {
    model: model.id,
    embeddings: inputs.map((s) => embedText(model, s)),
    total_duration: 1000,
    load_duration: 0,
    prompt_eval_count: inputs.reduce((n, s) => n + TOKENS_BOS + countTokens(s), 0),
  });
}

function root(r: Request): void {
  const daemon = r.ctx.slot.configured === undefined;
  if (daemon && String(r.req.headers.accept ?? "").includes("text/html")) {
    // Daemon mode serves its web UI (gzip) to browsers.
    send(r.res, 200, gzipSync("<!doctype html><title>inferrs</title><p>inferrs web UI (emulated)</p>\n"), {
      "content-type": "text/html; charset=utf-8",
      "content-encoding": "gzip",
      "cache-control": "no-cache",
      vary: "Accept",
    });
    return;
  }
  send(r.res, 200, "inferrs is running", { "content-type": "text/plain; charset=utf-8", ...(daemon ? { vary: "Accept" } : {}) });
}

// ── routing ───────────────────────────────────────────────────────────────

/** GET routes answer HEAD too (axum `get`). */
const ROUTES: Record<string, { GET?: Handler; POST?: Handler }> = {
  "/v1/chat/completions": { POST: chatCompletions },
  "/v1/completions": { POST: completions },
  "/v1/messages": { POST: anthropicMessages },
  "/v1/models": { GET: listModels },
  "/v1/embeddings": { POST: embeddings },
  "/health": { GET: health },
  "/": { GET: root },
  "/api/version": { GET: (r) => json(r.res, 200, { version: "0.9.0" }) },
  "/api/tags": { GET: ollamaTags },
  "/api/ps": { GET: ollamaPs },
  "/api/show": { POST: ollamaShow },
  "/api/pull": { POST: ollamaPull },
  "/api/generate": { POST: ollamaGenerate },
  "/api/chat": { POST: ollamaChat },
  "/api/embed": { POST: ollamaEmbed },
};

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        req.removeAllListeners("data");
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function logRequest(ctx: AppContext, req: IncomingMessage, body: Buffer): void {
  let parsed: unknown;
  if (body.length > 0) {
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      parsed = body.toString("utf8");
    }
  }
  ctx.requestLog.write({ event: "request", method: req.method, path: req.url, headers: req.headers, body: parsed ?? null });
}

async function handle(ctx: AppContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  if (method === "OPTIONS") {
    // tower-http's permissive CORS layer answers every OPTIONS request itself.
    logRequest(ctx, req, Buffer.alloc(0));
    res.writeHead(200, { ...CORS, "access-control-allow-methods": "*", "access-control-allow-headers": "*", "content-length": "0" });
    res.end();
    return;
  }
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  const body = method === "POST" || method === "PUT" || method === "PATCH" ? await readBody(req) : Buffer.alloc(0);
  if (body === undefined) {
    logRequest(ctx, req, Buffer.alloc(0));
    if (route?.POST) text(res, 413, "Failed to buffer the request body: length limit exceeded");
    else send(res, route ? 405 : 404, "");
    return;
  }
  logRequest(ctx, req, body);
  if (!route) {
    send(res, 404, "");
    return;
  }
  const handler = method === "GET" || method === "HEAD" ? route.GET : method === "POST" ? route.POST : undefined;
  if (!handler) {
    send(res, 405, "", { allow: route.GET ? "GET,HEAD" : "POST" });
    return;
  }
  try {
    await handler({ req, res, body, ctx });
  } catch (e) {
    if (e instanceof HttpError) sendError(res, e);
    else {
      ctx.log.error("inferrs::server", `emulator bug: ${e instanceof Error ? e.stack : String(e)}`);
      if (!res.headersSent) text(res, 500, "inferrs emulator internal error");
      else res.destroy();
    }
  }
}

export function createApp(ctx: AppContext): Server {
  const server = createServer((req, res) => void handle(ctx, req, res));
  server.keepAliveTimeout = 75_000; // hyper keeps idle connections open; Node's 5 s default is much shorter
  return server;
}
