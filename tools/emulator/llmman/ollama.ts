// llmman's Ollama-style and daemon routes (§3, §5, §8, §9): /api/version, /api/ps, /api/show,
// /api/tags, /api/pull, /api/generate, /api/delete and (v0.1.334) /llmman/node.
import { quantizationName } from "./catalog.ts";
import { extractJson, type Json, ollamaName, type Req, requireModel } from "./daemon.ts";
import type { GgufMetadata } from "./gguf.ts";
import { AppError, empty, json, rfc3339Secs } from "./http.ts";
import { parseDuration, VERSION_STRING } from "./knobs.ts";
import type { Running } from "./manager.ts";
import { streamPull } from "./pull.ts";
import { parseProviderRef, parseHybridRef, resolveRef } from "./refs.ts";
import type { StoredModel } from "./store.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);
/** Rust `{:?}` of a string, close enough: JSON quoting. */
const debug = (s: string) => JSON.stringify(s);

export function version(r: Req): void {
  json(r.res, 200, { exe: r.d.exe, pid: process.pid, version: VERSION_STRING[r.d.settings.version] });
}

/** `default_generation_settings.n_ctx` from the backend's /props (500 ms), null on any failure. */
async function liveContext(port: number): Promise<number | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/props`, { signal: AbortSignal.timeout(500) });
    const n = ((await res.json()) as Json)?.default_generation_settings?.n_ctx;
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

export async function psEntries(r: Req): Promise<Json[]> {
  const out: Json[] = [];
  for (const m of r.d.manager.running.values()) {
    const context_length = await liveContext(m.backend.port);
    const base = { name: m.ref, model: m.ref };
    const rest = {
      digest: m.model.digest, size: m.model.size, size_vram: 0, pid: m.backend.alive() ? m.backend.pid : null, port: m.backend.port,
      processor: "llama-server (local)", context_length, started_at: rfc3339Secs(m.startedAt),
    };
    out.push(r.d.settings.version === "485d055" ? { ...base, ...rest } : { ...base, expires_at: expiresAt(m), ...rest });
  }
  return out;
}

function expiresAt(m: Running): string | null {
  return m.keepAliveMs === null ? null : rfc3339Secs(new Date(m.lastActive + m.keepAliveMs));
}

export async function ps(r: Req): Promise<void> {
  json(r.res, 200, { models: [...(await psEntries(r)), ...(await r.d.peers.ps(r))] });
}

function newerDetails(meta: GgufMetadata | undefined): Json {
  const arch = String(meta?.["general.architecture"] ?? "");
  return {
    parent_model: "",
    format: "gguf",
    family: arch,
    families: arch ? [arch] : [],
    parameter_size: String(meta?.["general.size_label"] ?? ""),
    quantization_level: quantizationName(Number(meta?.["general.file_type"])),
  };
}

const OLD_DETAILS = { format: "gguf", family: "", parameter_size: "", quantization_level: "" };

export function tagEntries(r: Req): Json[] {
  return r.d.store.list().map((m) => ({
    name: m.ref,
    model: m.ref,
    size: m.size,
    digest: m.digest,
    modified_at: m.modified.toISOString().replace(/Z$/, "+00:00"),
    details: r.d.settings.version === "485d055" ? OLD_DETAILS : newerDetails(r.d.store.metadata(m)),
  }));
}

export async function tags(r: Req): Promise<void> {
  json(r.res, 200, { models: [...tagEntries(r), ...(await r.d.peers.tags(r))] });
}

/** The newer `model_info`: the GGUF header verbatim, non-empty arrays as null, no chat template. */
function modelInfo(meta: GgufMetadata): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === "tokenizer.chat_template") continue;
    out[k] = Array.isArray(v) && v.length > 0 ? null : v;
  }
  return out;
}

export function capabilities(model: StoredModel, meta: GgufMetadata | undefined): string[] {
  const arch = String(meta?.["general.architecture"] ?? "");
  if (meta?.[`${arch}.pooling_type`] !== undefined) return ["embedding"];
  return model.mmprojPath ? ["completion", "vision"] : ["completion"];
}

export function show(r: Req): void {
  const { d } = r;
  const body = extractJson(r, d.settings.version === "485d055" ? ["model"] : []);
  const name = ollamaName(body);
  requireModel(d, name);
  const newer = d.settings.version === "v0.1.334";
  if (newer && (parseProviderRef(name) || parseHybridRef(name))) {
    json(r.res, 200, { model_info: {}, details: { parent_model: "", format: "", family: "", families: [], parameter_size: "", quantization_level: "" }, capabilities: ["completion"] });
    return;
  }
  const ref = resolveRef(name);
  log(`[llmman] /api/show model=${debug(ref)}`);
  const model = d.store.find(ref);
  if (!model) throw new AppError(404, `model not found: ${ref}`);
  if (!newer) {
    json(r.res, 200, { model_info: { digest: model.digest, size: model.manifestSize }, details: OLD_DETAILS });
    return;
  }
  const meta = d.store.metadata(model);
  const out: Json = { model_info: meta ? modelInfo(meta) : {}, details: newerDetails(meta), capabilities: capabilities(model, meta) };
  if (typeof meta?.["tokenizer.chat_template"] === "string") out.template = meta["tokenizer.chat_template"];
  json(r.res, 200, out);
}

export async function pull(r: Req): Promise<void> {
  const { d } = r;
  const body = extractJson(r, d.settings.version === "485d055" ? ["model"] : []);
  const name = d.settings.version === "485d055" ? String(body.model) : ollamaName(body);
  requireModel(d, name);
  const ref = resolveRef(name);
  log(`[llmman] /api/pull model=${debug(ref)}`);
  await streamPull(r.res, d.puller, d.store, ref, d.settings);
}

/** Per-request `keep_alive` (v0.1.334): seconds as a number or an Ollama duration; negative = never. */
function keepAliveOf(value: unknown): number | null | undefined {
  if (typeof value === "number") return value < 0 ? null : value * 1000;
  if (typeof value === "string") return parseDuration(value);
  return undefined;
}

export async function generate(r: Req): Promise<void> {
  const { d } = r;
  const body = extractJson(r, ["model"]);
  const name: string = body.model;
  requireModel(d, name);
  const prompt = typeof body.prompt === "string" ? body.prompt : "";
  const ref = resolveRef(name);
  log(`[llmman] /api/generate model=${debug(ref)} prompt_len=${prompt.length}`);
  const created_at = new Date().toISOString();
  if (!prompt && body.keep_alive === 0) {
    const unloaded = await d.manager.unload(ref);
    if (!unloaded && d.settings.version === "v0.1.334" && !d.store.find(ref)) throw new AppError(404, `model '${name}' not found`);
    json(r.res, 200, { model: name, created_at, response: "", done: true, done_reason: "unload" });
    return;
  }
  const running = await d.manager.acquire(ref, r.signal);
  try {
    const keepAlive = d.settings.version === "v0.1.334" ? keepAliveOf(body.keep_alive) : undefined;
    if (keepAlive !== undefined) running.keepAliveMs = keepAlive;
    if (!prompt) {
      json(r.res, 200, { model: name, created_at: new Date().toISOString(), response: "", done: true, done_reason: "load" });
      return;
    }
    const res = await fetch(`http://127.0.0.1:${running.backend.port}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: name, messages: [{ role: "user", content: prompt }] }),
      signal: r.signal,
    });
    const answer = (await res.json()) as Json;
    if (!res.ok) throw new AppError(res.status, String(answer?.error?.message ?? "backend error"));
    const text = String(answer.choices?.[0]?.message?.content ?? "");
    const final = { model: name, created_at: new Date().toISOString(), response: body.stream === false ? text : "", done: true, done_reason: "stop", prompt_eval_count: answer.usage?.prompt_tokens ?? 0, eval_count: answer.usage?.completion_tokens ?? 0 };
    if (body.stream === false) return json(r.res, 200, final);
    r.res.writeHead(200, { "content-type": "application/x-ndjson" });
    r.res.write(`${JSON.stringify({ model: name, created_at: new Date().toISOString(), response: text, done: false })}\n`);
    r.res.end(`${JSON.stringify(final)}\n`);
  } finally {
    d.manager.release(running);
  }
}

export function remove(r: Req): void {
  const body = extractJson(r);
  const name = ollamaName(body);
  requireModel(r.d, name);
  const ref = resolveRef(name);
  const stored = r.d.store.find(ref);
  if (!stored || !r.d.store.remove(stored.ref)) throw new AppError(404, `image not found: ${ref}`);
  empty(r.res, 200);
}

/** `GET /llmman/node`: what the peers' placement uses. */
export function node(r: Req): void {
  const sizes = (entries: Array<{ ref: string; size: number }>) => Object.fromEntries(entries.map((m) => [m.ref, m.size]));
  json(r.res, 200, {
    memory: r.d.settings.emu.memory,
    loaded: sizes([...r.d.manager.running.values()].map((m) => ({ ref: m.ref, size: m.model.size }))),
    stored: sizes(r.d.store.list()),
  });
}
