// HTTP plumbing shared by the daemon's routes: llmman's `{"error": …}` errors (always 500 in
// 485d055, a real status in v0.1.334), JSON / empty answers as axum sends them, body reading.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Version } from "./knobs.ts";

/** llmman's `AppError`: `{"error":"<msg>"}` with the version's status. */
export class AppError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }

  /** The status this error is sent with by `version` (485d055's AppError is always 500). */
  statusFor(version: Version): number {
    return version === "485d055" ? 500 : this.status;
  }
}

/** A load or wait given up because the client went away (axum dropped the handler future). */
export class Cancelled extends Error {
  constructor() {
    super("client disconnected");
  }
}

export function json(res: ServerResponse, status: number, value: unknown, contentType = "application/json"): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

export function empty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-length": "0", ...headers });
  res.end();
}

export function text(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendAppError(res: ServerResponse, version: Version, e: AppError): void {
  json(res, e.statusFor(version), { error: e.message });
}

/** axum 0.7's DefaultBodyLimit. */
export const BODY_LIMIT = 2 * 1024 * 1024;

/** The whole body, or undefined when it is over the limit. */
export function readBody(req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function disconnectSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) ac.abort(new Cancelled());
  });
  req.once("aborted", () => ac.abort(new Cancelled()));
  return ac.signal;
}

/** RFC 3339 UTC seconds with `Z` (chrono `SecondsFormat::Secs, true`). */
export function rfc3339Secs(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}
