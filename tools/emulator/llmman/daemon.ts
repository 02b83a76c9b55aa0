// What every route handler gets: the daemon's parts and the request, plus the `Json<T>` extractor
// of the Ollama routes (axum's text/plain 415/400/422 rejections in 485d055).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestLog } from "../log.ts";
import { AppError } from "./http.ts";
import type { Settings } from "./knobs.ts";
import type { Manager } from "./manager.ts";
import type { Peers } from "./peers.ts";
import type { Puller } from "./pull.ts";
import type { Store } from "./store.ts";

export interface Daemon {
  settings: Settings;
  store: Store;
  puller: Puller;
  manager: Manager;
  peers: Peers;
  requestLog: RequestLog;
  /** What `/api/version` reports as `exe`: the real path of tools/bin/llmman. */
  exe: string;
}

export interface Req {
  req: IncomingMessage;
  res: ServerResponse;
  body: Buffer;
  d: Daemon;
  /** Fires when the client disconnects before the answer is complete. */
  signal: AbortSignal;
}

export type Json = Record<string, any>;

/** An axum extractor rejection: plain text, not `{"error"}`. */
export class Rejection extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** `Json<T>` with the required string keys; newer llmman accepts any content type. */
export function extractJson(r: Req, required: string[] = []): Json {
  if (r.d.settings.version === "485d055" && !/^application\/(.+\+)?json\s*(;.*)?$/i.test(String(r.req.headers["content-type"] ?? ""))) {
    throw new Rejection(415, "Expected request with `Content-Type: application/json`");
  }
  const source = r.body.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (e) {
    throw new Rejection(400, `Failed to parse the request body as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Rejection(422, `Failed to deserialize the JSON body into the target type: invalid type: expected struct at line 1 column ${source.length}`);
  }
  for (const key of required) {
    const v = (value as Json)[key];
    if (v === undefined) throw new Rejection(422, `Failed to deserialize the JSON body into the target type: missing field \`${key}\` at line 1 column ${source.length}`);
    if (typeof v !== "string") throw new Rejection(422, `Failed to deserialize the JSON body into the target type: ${key}: invalid type: expected a string at line 1 column ${source.length}`);
  }
  return value as Json;
}

/** The model name of an Ollama body: a non-empty `name` wins over `model`. */
export function ollamaName(body: Json): string {
  if (typeof body.name === "string" && body.name !== "") return body.name;
  return typeof body.model === "string" ? body.model : "";
}

/** v0.1.334 rejects an empty model up front (`400 model is required`); 485d055 resolves it anyway. */
export function requireModel(d: Daemon, name: string): void {
  if (d.settings.version === "v0.1.334" && name === "") throw new AppError(400, "model is required");
}
