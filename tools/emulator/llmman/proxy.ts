// Byte-for-byte pass-through to a backend or a peer (`proxy`): the upstream status and all its
// headers, the body streamed as it comes; the answer is recorded in the request log (SSE payloads
// one by one, so tests can assert fragments).
import { request } from "node:http";
import type { Req } from "./daemon.ts";
import { AppError } from "./http.ts";

export interface ProxyOptions {
  url: string;
  bytes: Buffer | string;
  headers?: Record<string, string>;
  /** Do not answer a llama-server "exceeds the available context" 400; report it instead (hybrid fallback). */
  holdOverContext?: boolean;
  /** Prefix of the `proxy request to …` error. */
  what?: string;
}

/** Records an answer in the request log: SSE `data:` payloads, or the body (parsed when JSON). */
export function logResponse(r: Req, status: number, contentType: string, raw: string, extra: Record<string, unknown> = {}): void {
  const path = new URL(r.req.url ?? "/", "http://x").pathname;
  if (contentType.includes("text/event-stream")) {
    const sse = raw.split("\n\n").map((e) => e.replace(/^data: /, "")).filter((e) => e.length > 0);
    r.d.requestLog.write({ event: "response", path, status, sse, ...extra });
    return;
  }
  let body: unknown = raw;
  try {
    body = JSON.parse(raw);
  } catch {
    // not JSON: keep the text
  }
  r.d.requestLog.write({ event: "response", path, status, body, ...extra });
}

/** Proxies one request; resolves `"over-context"` when held back for the hybrid fallback. */
export function proxy(r: Req, o: ProxyOptions): Promise<"done" | "over-context"> {
  const bytes = typeof o.bytes === "string" ? Buffer.from(o.bytes) : o.bytes;
  const contentType = String(r.req.headers["content-type"] ?? "");
  return new Promise((resolve, reject) => {
    const up = request(o.url, {
      method: "POST",
      headers: { ...(contentType ? { "content-type": contentType } : {}), "content-length": String(bytes.length), ...o.headers },
    });
    const onAbort = () => up.destroy();
    r.signal.addEventListener("abort", onAbort, { once: true });
    up.on("error", (e) => {
      r.signal.removeEventListener("abort", onAbort);
      if (r.signal.aborted) resolve("done");
      else reject(new AppError(500, `${o.what ?? "proxy request to llama-server"}: ${e.message}`));
    });
    up.on("response", (ur) => {
      const status = ur.statusCode ?? 502;
      const type = String(ur.headers["content-type"] ?? "");
      const chunks: Buffer[] = [];
      const held = o.holdOverContext === true && status === 400;
      if (!held && !r.res.headersSent) r.res.writeHead(status, ur.headers);
      ur.on("data", (c: Buffer) => {
        chunks.push(c);
        if (!held && !r.res.destroyed) r.res.write(c);
      });
      ur.on("end", () => {
        r.signal.removeEventListener("abort", onAbort);
        const raw = Buffer.concat(chunks).toString("utf8");
        if (held && raw.includes("exceed_context_size_error")) return resolve("over-context");
        if (held && !r.res.headersSent) {
          r.res.writeHead(status, ur.headers);
          r.res.write(raw);
        }
        // Logged before the body ends: a client that has read the whole answer finds it in the log.
        logResponse(r, status, type, raw);
        r.res.end();
        resolve("done");
      });
      ur.on("error", () => {
        r.res.destroy();
        resolve("done");
      });
    });
    up.end(bytes);
  });
}
