// A stand-in for llama.cpp's `llama-server`, spawned by the llmman emulator once per loaded model:
// `llama-server --model <gguf> --port <p> --host 127.0.0.1 [--ctx-size N] [--mmproj F] [--embeddings --pooling mean]`.
// It binds first, "loads" (LLMMAN_EMU_LOAD_MS; LLMMAN_EMU_LOAD_FAIL exits 1 with llama.cpp's lines),
// then answers /health, /props, /v1/models, /v1/chat/completions and /v1/embeddings. It exits when
// its parent (the daemon) is gone, so a SIGKILLed daemon never leaves it behind.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { chatChunks, chatResponse, embeddingsResponse, newMeta, planChat } from "./answers.ts";
import { type GgufMetadata, readGguf } from "./gguf.ts";

const BUILD = "b6500-3a5b1c9";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const modelPath = arg("--model") ?? "";
const port = Number(arg("--port") ?? 8080);
const host = arg("--host") ?? "127.0.0.1";
const embeddings = process.argv.includes("--embeddings");
const env = process.env;
const parent = process.ppid;

setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 50);
if (env.LLMMAN_EMU_IGNORE_SIGTERM === "1") process.on("SIGTERM", () => {});

let meta: GgufMetadata;
try {
  meta = readGguf(modelPath);
} catch (e) {
  log(`gguf_init_from_file_impl: failed to read magic`);
  log(`llama_model_load: error loading model: llama_model_loader: failed to load model from ${modelPath}: ${e instanceof Error ? e.message : String(e)}`);
  log("main: exiting due to model loading error");
  process.exit(1);
}
const arch = String(meta["general.architecture"]);
const trained = Number(meta[`${arch}.context_length`]) || 4096;
const ctx = Number(arg("--ctx-size")) || trained;
const template = String(meta["tokenizer.chat_template"] ?? "");
const dims = Number(meta[`${arch}.embedding_length`]) || 768;
let ready = false;

type Json = Record<string, any>;

function send(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function error(res: ServerResponse, status: number, type: string, message: string, extra: Json = {}): void {
  send(res, status, { error: { code: status, message, type, ...extra } });
}

async function chat(res: ServerResponse, body: Json): Promise<void> {
  if (embeddings) return error(res, 501, "not_supported_error", "This server does not support completions. Start it without `--embeddings`");
  if (!Array.isArray(body.messages)) return error(res, 400, "invalid_request_error", "'messages' is required");
  const answerCtx = { answer: env.LLMMAN_EMU_ANSWER || undefined, servedBy: "llama-server (llmman emulator)", thinking: template.includes("<think>"), tools: template.includes("tools") };
  const plan = planChat(body, answerCtx, typeof body.model === "string" ? body.model : modelPath);
  if (plan.promptTokens > ctx) {
    return error(res, 400, "exceed_context_size_error", "the request exceeds the available context size, try increasing it", { n_prompt_tokens: plan.promptTokens, n_ctx: ctx });
  }
  const respMeta = newMeta(typeof body.model === "string" ? body.model : modelPath, BUILD);
  if (body.stream !== true) return send(res, 200, chatResponse(plan, respMeta));
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  const delay = Number(env.LLMMAN_EMU_TOKEN_DELAY_MS) || 0;
  for (const chunk of chatChunks(plan, respMeta)) {
    if (delay) await sleep(delay);
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
  res.end("data: [DONE]\n\n");
}

function embed(res: ServerResponse, body: Json): void {
  if (!embeddings) return error(res, 501, "not_supported_error", "This server does not support embeddings. Start it with `--embeddings`");
  const inputs: unknown[] = typeof body.input === "string" ? [body.input] : Array.isArray(body.input) ? body.input : [];
  if (inputs.length === 0 || inputs.some((s) => typeof s !== "string")) return error(res, 400, "invalid_request_error", "\"input\" must be a string or an array of strings");
  const out = embeddingsResponse(inputs as string[], dims, typeof body.model === "string" ? body.model : modelPath);
  if (!out) return error(res, 400, "invalid_request_error", "input is empty");
  send(res, 200, out);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/health") {
    return ready ? send(res, 200, { status: "ok" }) : error(res, 503, "unavailable_error", "Loading model");
  }
  if (!ready) return error(res, 503, "unavailable_error", "Loading model");
  if (path === "/props") {
    return send(res, 200, {
      default_generation_settings: { n_ctx: ctx, params: { n_predict: -1, temperature: 0.8 } },
      total_slots: 1,
      model_path: modelPath,
      chat_template: template,
      modalities: { vision: arg("--mmproj") !== undefined, audio: false },
      build_info: BUILD,
    });
  }
  if (path === "/v1/models") {
    return send(res, 200, { object: "list", data: [{ id: modelPath, object: "model", created: Math.floor(Date.now() / 1000), owned_by: "llamacpp", meta: { n_ctx_train: trained, n_embd: dims } }] });
  }
  let body: Json;
  try {
    body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
  } catch (e) {
    return error(res, 400, "invalid_request_error", `Failed to parse JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (path === "/v1/chat/completions" && req.method === "POST") return chat(res, body);
  if (path === "/v1/embeddings" && req.method === "POST") return embed(res, body);
  error(res, 404, "not_found_error", "File Not Found");
}

const server = createServer((req, res) => void handle(req, res));
log(`build: ${BUILD.replace("-", " (")}) with cc (emulated) for x86_64-linux-gnu`);
log("main: binding port with default address family");
server.listen(port, host, async () => {
  log(`main: HTTP server is listening, hostname: ${host}, port: ${port}, http threads: 1`);
  log("main: loading model");
  log(`srv    load_model: loading model '${modelPath}'`);
  log(`llama_model_loader: loaded meta data with ${Object.keys(meta).length} key-value pairs and 0 tensors from ${modelPath} (version GGUF V3 (latest))`);
  await sleep(Number(env.LLMMAN_EMU_LOAD_MS ?? 300) || 0);
  const fail = env.LLMMAN_EMU_LOAD_FAIL;
  if (fail) {
    log(`llama_model_load: error loading model: ${fail}`);
    log("llama_model_load_from_file_impl: failed to load model");
    log(`srv    load_model: failed to load model, '${modelPath}'`);
    log("main: exiting due to model loading error");
    process.exit(1);
  }
  if (ctx > trained) log(`llama_context: n_ctx_seq (${ctx}) > n_ctx_train (${trained}) -- possible training context overflow`);
  log(`llama_context: n_ctx         = ${ctx}`);
  log("main: model loaded");
  log(`main: server is listening on http://${host}:${port} - starting the main loop`);
  log("srv  update_slots: all slots are idle");
  ready = true;
});
server.on("error", (e) => {
  log(`main: couldn't bind HTTP server socket, hostname: ${host}, port: ${port}: ${e.message}`);
  process.exit(1);
});
