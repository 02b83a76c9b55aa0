// llmman's OpenAI routes (§4, §6, §7, §12): /v1/models from the store, and /v1/chat/completions,
// /v1/completions, /v1/embeddings routed by the body's `model` (local backend, peer, hybrid or
// hosted provider) and passed through to that backend.
import type { Daemon, Json, Req } from "./daemon.ts";
import { AppError, json } from "./http.ts";
import { HOP_HEADER, mergeModels } from "./peers.ts";
import { respondFromProvider } from "./providers.ts";
import { proxy } from "./proxy.ts";
import { type HybridRef, invalidRefReason, parseHybridRef, parseProviderRef, resolveRef } from "./refs.ts";

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function models(r: Req): Promise<void> {
  const running = r.d.manager.running;
  const local = r.d.store.list().map((m) => ({
    created: 0,
    id: m.ref,
    object: "model",
    owned_by: "llmman",
    status: { value: running.has(m.ref) ? "loaded" : "unloaded" },
  }));
  json(r.res, 200, { data: mergeModels(local, await r.d.peers.models(r)), object: "list" });
}

/** serde_json's wording for the common syntax errors (line/column from the JS error's position). */
function serdeMessage(source: string, e: unknown): string {
  if (source.trim() === "") return `EOF while parsing a value at line 1 column ${source.length}`;
  const at = Number(/position (\d+)/.exec(e instanceof Error ? e.message : "")?.[1] ?? 0);
  const before = source.slice(0, at).split("\n");
  return `expected value at line ${before.length} column ${before[before.length - 1].length + 1}`;
}

function nodeInfo(d: Daemon) {
  const loaded: Record<string, number> = {};
  for (const m of d.manager.running.values()) loaded[m.ref] = m.model.size;
  return { memory: d.settings.emu.memory, loaded, stored: Object.fromEntries(d.store.list().map((m) => [m.ref, m.size])) };
}

/** `proxy_openai`: POST /v1/chat/completions, /v1/completions, /v1/embeddings. */
export async function passThrough(r: Req): Promise<void> {
  const { d } = r;
  const source = r.body.toString("utf8");
  let body: Json;
  try {
    body = JSON.parse(source);
  } catch (e) {
    throw new AppError(500, `parse OpenAI request body: ${serdeMessage(source, e)}`);
  }
  const name = typeof body?.model === "string" ? body.model : "";
  if (d.settings.version === "485d055") {
    await local(r, body, resolveRef(name), false);
    return;
  }
  const invalid = invalidRefReason(name);
  if (invalid) throw new AppError(400, invalid);
  const provider = parseProviderRef(name);
  if (provider) return respondFromProvider(r, body, provider);
  const hybrid = parseHybridRef(name);
  if (hybrid) return routeHybrid(r, body, hybrid);
  const ref = resolveRef(name);
  const canonical = d.store.find(ref)?.ref ?? ref;
  if (!d.manager.running.has(canonical)) {
    const peer = await d.peers.place(r, canonical, nodeInfo(d));
    if (peer) {
      await proxy(r, { url: `${peer}${new URL(r.req.url ?? "/", "http://x").pathname}`, bytes: r.body, headers: { [HOP_HEADER]: "1", ...auth(r) }, what: `proxy request to peer ${peer}` });
      return;
    }
  }
  await local(r, body, ref, false);
}

function auth(r: Req): Record<string, string> {
  return r.req.headers.authorization ? { authorization: String(r.req.headers.authorization) } : {};
}

/** Serves from the local backend; with `holdOverContext`, reports a context refusal instead of answering it. */
async function local(r: Req, body: Json, ref: string, holdOverContext: boolean): Promise<"done" | "over-context"> {
  const { d } = r;
  const running = await d.manager.acquire(ref, r.signal);
  try {
    let bytes: Buffer | string = r.body;
    if (d.settings.version === "v0.1.334") {
      // Newer llmman rewrites `model` to the backend's name and maps reasoning_effort for local models.
      const out: Json = { ...body, model: running.ref };
      if (typeof body.reasoning_effort === "string" && out.chat_template_kwargs?.enable_thinking === undefined) {
        out.chat_template_kwargs = { ...out.chat_template_kwargs, enable_thinking: body.reasoning_effort !== "none" };
      }
      bytes = JSON.stringify(out);
    }
    const path = new URL(r.req.url ?? "/", "http://x").pathname;
    return await proxy(r, { url: `http://127.0.0.1:${running.backend.port}${path}`, bytes, holdOverContext });
  } finally {
    d.manager.release(running);
  }
}

/** `x-llmman-route` given once: its value; twice or more: a 400. */
function routeHeader(r: Req): string | undefined {
  const values: string[] = [];
  for (let i = 0; i < r.req.rawHeaders.length; i += 2) if (r.req.rawHeaders[i].toLowerCase() === "x-llmman-route") values.push(r.req.rawHeaders[i + 1]);
  if (values.length > 1) throw new AppError(400, "x-llmman-route given more than once");
  const v = values[0]?.trim();
  if (v !== undefined && v !== "local" && v !== "cloud") throw new AppError(400, `invalid x-llmman-route ${JSON.stringify(v)}: expected "local" or "cloud"`);
  return v;
}

async function routeHybrid(r: Req, body: Json, h: HybridRef): Promise<void> {
  const pinned = routeHeader(r);
  const remote = `${h.remote.provider}/${h.remote.model}`;
  const budget = r.d.settings.hybridLocalBytes;
  const length = r.req.headers["content-length"] !== undefined ? Number(r.req.headers["content-length"]) : undefined;
  let side: "local" | "cloud";
  let why: string;
  if (pinned) {
    side = pinned as "local" | "cloud";
    why = `x-llmman-route: ${pinned}`;
  } else if (length !== undefined && budget > 0 && length > budget) {
    side = "cloud";
    why = `body ${length} bytes > local budget ${budget} bytes`;
  } else {
    side = "local";
    why = length === undefined ? "chunked body" : budget > 0 ? `body ${length} bytes within local budget ${budget} bytes` : "size rule disabled";
  }
  log(`[llmman] hybrid "${h.local}" + "${remote}" -> ${side} (${why})`);
  if (side === "local") {
    const outcome = await local(r, body, resolveRef(h.local), pinned !== "local");
    if (outcome === "done") return;
    log(`[llmman] hybrid "${h.local}" + "${remote}" -> cloud (local backend refused the request as over its context)`);
  }
  respondFromProvider(r, body, h.remote);
}
