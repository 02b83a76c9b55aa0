// The daemon's router (§2): routes per version, 404 with an empty body for unknown paths (there is
// no /health), 405 for a wrong method, errors as `{"error": …}`; every request is recorded in the
// request log (LLMMAN_EMU_REQUEST_LOG).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { type Daemon, Rejection, type Req } from "./daemon.ts";
import { AppError, BODY_LIMIT, Cancelled, disconnectSignal, empty, json, readBody, sendAppError, text } from "./http.ts";
import { VERSION_STRING } from "./knobs.ts";
import * as ollama from "./ollama.ts";
import { models, passThrough } from "./openai.ts";

type Handler = (r: Req) => Promise<void> | void;
type Methods = Partial<Record<"GET" | "POST" | "DELETE", Handler>>;

function root(r: Req): void {
  if (String(r.req.headers.accept ?? "").includes("text/html")) {
    const page = gzipSync("<!doctype html><title>llmman</title><p>llmman web UI (emulated)</p>\n");
    r.res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": "gzip", "content-length": String(page.length) });
    r.res.end(page);
    return;
  }
  text(r.res, 200, "llmman is running");
}

/** The static fake llama.cpp router props (not a context source). */
function props(r: Req): void {
  json(r.res, 200, {
    default_generation_settings: { n_ctx: 4096, params: {} },
    total_slots: 0,
    role: "router",
    build_info: VERSION_STRING[r.d.settings.version],
    model_path: "",
  });
}

function routes(d: Daemon): Record<string, Methods> {
  const table: Record<string, Methods> = {
    "/": { GET: root },
    "/props": { GET: props },
    "/api/version": { GET: ollama.version },
    "/api/tags": { GET: ollama.tags },
    "/api/ps": { GET: ollama.ps },
    "/api/show": { POST: ollama.show },
    "/api/pull": { POST: ollama.pull },
    "/api/generate": { POST: ollama.generate },
    "/api/delete": { DELETE: ollama.remove },
    "/v1/models": { GET: models },
    "/v1/chat/completions": { POST: passThrough },
    "/v1/completions": { POST: passThrough },
    "/v1/embeddings": { POST: passThrough },
  };
  if (d.settings.version === "v0.1.334") table["/llmman/node"] = { GET: ollama.node };
  return table;
}

function parsedBody(body: Buffer): unknown {
  if (body.length === 0) return null;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return body.toString("utf8");
  }
}

async function handle(d: Daemon, table: Record<string, Methods>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const signal = disconnectSignal(req, res);
  const method = req.method ?? "GET";
  const path = new URL(req.url ?? "/", "http://x").pathname;
  const body = method === "GET" || method === "HEAD" ? Buffer.alloc(0) : await readBody(req, BODY_LIMIT);
  d.requestLog.write({ event: "request", method, path: req.url, headers: req.headers, body: body ? parsedBody(body) : "<over the 2 MiB body limit>" });
  const route = Object.hasOwn(table, path) ? table[path] : undefined;
  if (!route) return empty(res, 404);
  const handler = route[(method === "HEAD" ? "GET" : method) as keyof Methods];
  if (!handler) return empty(res, 405, { allow: Object.keys(route).map((m) => (m === "GET" ? "GET,HEAD" : m)).join(",") });
  if (body === undefined) return text(res, 413, "Failed to buffer the request body: length limit exceeded");
  try {
    await handler({ req, res, body, d, signal });
  } catch (e) {
    if (e instanceof Cancelled || signal.aborted) {
      res.destroy();
    } else if (e instanceof AppError) {
      sendAppError(res, d.settings.version, e);
      d.requestLog.write({ event: "response", path, status: e.statusFor(d.settings.version), body: { error: e.message } });
    } else if (e instanceof Rejection) {
      text(res, e.status, e.message);
    } else {
      process.stderr.write(`[llmman-emulator] bug: ${e instanceof Error ? e.stack : String(e)}\n`);
      if (!res.headersSent) json(res, 500, { error: `emulator bug: ${String(e)}` });
      else res.destroy();
    }
  }
}

export function createDaemonServer(d: Daemon): Server {
  const table = routes(d);
  const server = createServer((req, res) => void handle(d, table, req, res));
  server.keepAliveTimeout = 75_000;
  return server;
}
