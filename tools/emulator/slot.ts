// The model slot (server.rs `ModelSlot`) and the emulated load (engine.rs `load_engine`):
// the same steps, log lines and error messages as real inferrs, with a sleep instead of weights.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { totalmem } from "node:os";
import { isAbsolute, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type ModelInfo, modelInfo, parseTokenizerConfig, tokenizerLogLine } from "./arch.ts";
import type { ServeArgs } from "./clap.ts";
import { cachedSnapshotFile, downloadCacheDir, findCachedConfigPath, hubCacheDir, presetConfig, writeCachedModel } from "./hf-cache.ts";
import type { Knobs } from "./knobs.ts";
import type { Logger } from "./log.ts";

export interface LoadedModel {
  id: string;
  config: Record<string, unknown>;
  info: ModelInfo;
  /** Requests run one at a time without paged attention, up to max_batch_size with it. */
  engine: Semaphore;
}

export type SlotState =
  | { kind: "empty" }
  | { kind: "loading"; modelId: string; done: Promise<LoadResult> }
  | { kind: "ready"; model: LoadedModel }
  | { kind: "failed"; error: string };

type LoadResult = { ok: true; model: LoadedModel } | { ok: false; error: string };

export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  private readonly size: number;

  constructor(size: number) {
    this.size = size;
  }

  async acquire(): Promise<() => void> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // hand the place over
      else this.active--;
    };
  }
}

/** An error a handler turns into an HTTP response. */
export class HttpError extends Error {
  readonly status: number;
  /** A string is sent as text/plain, anything else as JSON. */
  readonly body: unknown;

  constructor(status: number, body: unknown) {
    super(typeof body === "string" ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
  }
}

export function openaiError(status: number, message: string, type = "server_error"): HttpError {
  return new HttpError(status, { error: { message, type } });
}

export interface LoadContext {
  args: ServeArgs;
  knobs: Knobs;
  log: Logger;
  env: NodeJS.ProcessEnv;
}

/** Mirrors `ServeArgs::resolve_device`; the machine has only a CPU unless INFERRS_EMU_GPU says so. */
function resolveDevice(ctx: LoadContext): "cpu" | "cuda" | "metal" {
  const { device } = ctx.args;
  const gpu = ctx.knobs.gpu;
  switch (device) {
    case "cpu":
      return "cpu";
    case "cuda":
      if (gpu === "cuda") return "cuda";
      throw new Error('DriverError(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected")');
    case "metal":
      if (gpu === "metal") return "metal";
      throw new Error("the candle crate has not been built with metal support");
    case "auto":
      if (gpu === "cuda") ctx.log.info("inferrs", "Using CUDA device (via plugin)");
      else if (gpu === "metal") ctx.log.info("inferrs", "Using Metal device (via plugin)");
      else ctx.log.info("inferrs", "Using CPU device");
      return gpu ?? "cpu";
    default:
      throw new Error(`Unknown device: ${device}`);
  }
}

const QUANT_FORMATS: Record<string, string> = {
  Q4_0: "Q4_0", Q4_1: "Q4_1", Q5_0: "Q5_0", Q5_1: "Q5_1", Q8_0: "Q8_0",
  Q2K: "Q2K", Q2_K: "Q2K", Q2_K_S: "Q2K",
  Q3K: "Q3K", Q3_K: "Q3K", Q3_K_M: "Q3K", Q3_K_S: "Q3K", Q3_K_L: "Q3K",
  Q4K: "Q4K", Q4_K: "Q4K", Q4_K_M: "Q4K", Q4_K_S: "Q4K",
  Q5K: "Q5K", Q5_K: "Q5K", Q5_K_M: "Q5K", Q5_K_S: "Q5K",
  Q6K: "Q6K", Q6_K: "Q6K",
};

/** `resolve_quant_dtype` + quantize.rs `parse_format`. */
function resolveQuant(ctx: LoadContext): string | undefined {
  const q = ctx.args.quantize;
  const off = ["none", "false"].includes(q.toLowerCase());
  if (ctx.args.pagedAttention !== undefined) {
    if (!off) ctx.log.warn("inferrs", `--quantize=${q} ignored: paged-attention requires un-quantized safetensors weights`);
    return undefined;
  }
  if (off) return undefined;
  const key = q.toUpperCase().replaceAll("-", "_");
  const format = QUANT_FORMATS[key];
  if (!format) {
    throw new Error(`Unknown quantization format ${JSON.stringify(key)}. Accepted: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2K, Q3K, Q4K (default/Q4_K_M), Q5K, Q6K.`);
  }
  return format;
}

/** pull.rs `classify_reference`, roughly: one word, or a registry host before the first `/`. */
function isOciReference(model: string): boolean {
  if (!model.includes("/")) return true;
  const host = model.split("/")[0];
  return host.includes(".") || host.includes(":") || host === "localhost";
}

interface ModelFiles {
  config: Record<string, unknown>;
  /** tokenizer_config.json's text, when there is one (it is optional). */
  tokenizerConfig?: string;
}

/** hub.rs `download_model`: local dir, OCI ref, or HF repo (downloaded into the cache). */
function fetchModelFiles(ctx: LoadContext, modelId: string): ModelFiles {
  const { log, knobs, env } = ctx;
  if (isAbsolute(modelId) || modelId.startsWith("./") || modelId.startsWith("../") || existsSync(modelId)) {
    log.info("inferrs::hub", `Loading model from local path: ${modelId}`);
    if (!existsSync(join(modelId, "config.json"))) throw new Error(`config.json not found in ${modelId}`);
    if (!existsSync(join(modelId, "tokenizer.json"))) throw new Error(`tokenizer.json not found in ${modelId}`);
    if (!readdirSync(modelId).some((f) => f.endsWith(".safetensors"))) throw new Error(`No safetensors files found in ${modelId}`);
    return { config: readConfig(join(modelId, "config.json")), tokenizerConfig: readOptional(join(modelId, "tokenizer_config.json")) };
  }
  if (isOciReference(modelId)) {
    log.info("inferrs::hub", `OCI model not cached, pulling: ${modelId}`);
    throw new Error(`inferrs emulator: OCI model references are not emulated (${modelId})`);
  }
  log.info("inferrs::hub", `Downloading model ${modelId} (revision: ${ctx.args.revision})`);
  let hub = downloadCacheDir(env);
  let configPath = findCachedConfigPath(hub, modelId);
  if (!configPath && (configPath = findCachedConfigPath(hubCacheDir(env), modelId))) hub = hubCacheDir(env);
  if (!configPath) {
    if (knobs.missing.includes(modelId) || knobs.missing.includes("*")) {
      log.info("inferrs::hub", `config.json not found in ${modelId} — checking for GGUF-only repo`);
      throw new Error(`Failed to list files in ${modelId}: no config.json and repo.info() failed`);
    }
    configPath = join(writeCachedModel(hub, { id: modelId, config: presetConfig(modelId) }), "config.json");
  }
  log.info("inferrs::hub", "Downloaded config.json");
  log.info("inferrs::hub", "Downloaded tokenizer.json");
  // A cached model's hub repo is taken to have no tokenizer_config.json when the snapshot lacks it.
  const tokenizerPath = cachedSnapshotFile(hub, modelId, ctx.args.revision, "tokenizer_config.json");
  if (tokenizerPath) log.info("inferrs::hub", "Downloaded tokenizer_config.json");
  log.info("inferrs::hub", "Downloaded model.safetensors");
  return { config: readConfig(configPath), tokenizerConfig: tokenizerPath ? readOptional(tokenizerPath) : undefined };
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new Error("Failed to read config.json");
  }
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch {
    throw new Error("Failed to parse config.json");
  }
}

/** The emulated `load_engine` + `loaded_model_from_ctx`. Throws Error(message) on failure. */
export async function loadEngine(ctx: LoadContext, modelId: string): Promise<LoadedModel> {
  const { args, knobs, log } = ctx;
  // The real load runs on a blocking thread: its first lines come after "Server listening".
  await new Promise((resolve) => setImmediate(resolve));
  const device = resolveDevice(ctx);
  if (!["f32", "f16", "bf16"].includes(args.dtype)) throw new Error(`Unknown dtype: ${args.dtype}`);
  const dtype = args.dtype === "f32" ? "F32" : args.dtype === "f16" ? "F16" : "BF16";
  if (device === "cpu" && dtype !== "F32") {
    log.warn("inferrs::engine", `CPU device does not support ${dtype} matmul — using F32 instead. Pass --dtype f32 to suppress this warning.`);
  }
  const quant = resolveQuant(ctx);
  const { config, tokenizerConfig } = fetchModelFiles(ctx, modelId);
  await sleep(knobs.loadMs / 2); // "download" and quantization
  if (quant) log.info("inferrs::hub", `Quantizing model to ${quant}…`);

  const tokenizer = tokenizerConfig === undefined ? undefined : parseTokenizerConfig(tokenizerConfig);
  const info = modelInfo(config, tokenizer, args.maxSeqLen, knobs.context);
  log.info("inferrs::engine", `Detected architecture: ${info.arch}`);
  if (Number.isFinite(info.maxSeqLen)) log.info("inferrs::engine", `Model KV cache capacity: ${info.maxSeqLen} tokens`);
  log.info("inferrs::tokenizer", tokenizerLogLine(info.template, tokenizer));
  await sleep(knobs.loadMs - knobs.loadMs / 2); // weights
  if (knobs.loadFail) throw new Error(knobs.loadFail);

  const paged = args.pagedAttention !== undefined;
  if (paged) {
    if (!["Qwen3", "Qwen35", "Gemma4"].includes(info.arch)) {
      log.warn("inferrs::engine", `--paged-attention is not yet supported for ${info.arch} and will fall back to the standard concat KV cache.`);
    }
    log.info("inferrs::engine", `Paged attention memory baseline: ${(totalmem() / 2 ** 30).toFixed(2)} GiB`);
  }
  const batch = paged ? args.maxBatchSize : 1;
  log.info("inferrs::engine", `Engine loop started (continuous batching, max_batch_size=${batch}, paged=${paged})`);
  return { id: modelId, config, info, engine: new Semaphore(Math.max(1, batch)) };
}

/** server.rs `model_matches_id`: exact, or without the `org/` prefix. */
export function modelMatches(loadedId: string, requested: string): boolean {
  if (loadedId === requested) return true;
  const slash = loadedId.indexOf("/");
  return slash !== -1 && loadedId.slice(slash + 1) === requested;
}

export class ModelSlot {
  state: SlotState = { kind: "empty" };
  private readonly ctx: LoadContext;
  /** The CLI model in single-model mode; undefined in daemon mode. */
  readonly configured: string | undefined;

  constructor(ctx: LoadContext, configured: string | undefined) {
    this.ctx = ctx;
    this.configured = configured;
  }

  readyModel(): LoadedModel | undefined {
    return this.state.kind === "ready" ? this.state.model : undefined;
  }

  /** Single-model startup: Loading now, then Ready or Failed (the process stays up). */
  startInitialLoad(modelId: string): Promise<LoadResult> {
    const done = this.runLoad(modelId).then((result) => {
      if (result.ok) this.state = { kind: "ready", model: result.model };
      else {
        this.ctx.log.error("inferrs::server", `Model load failed: ${result.error}`);
        this.state = { kind: "failed", error: result.error };
      }
      return result;
    });
    this.state = { kind: "loading", modelId, done };
    return done;
  }

  /** Old releases loaded before binding; the caller exits on failure. */
  setReady(model: LoadedModel): void {
    this.state = { kind: "ready", model };
  }

  private async runLoad(modelId: string): Promise<LoadResult> {
    try {
      return { ok: true, model: await loadEngine(this.ctx, modelId) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /** server.rs `resolve_openai_model`, with its error shapes. */
  async resolveOpenAI(requested: string | undefined): Promise<LoadedModel> {
    if (this.configured !== undefined) {
      const s = this.state;
      if (s.kind === "ready") return s.model; // any requested name is served by the loaded model
      if (s.kind === "loading") {
        const result = await s.done;
        if (result.ok) return result.model;
        throw openaiError(500, result.error);
      }
      if (s.kind === "failed") throw openaiError(500, `Model load failed: ${s.error}`);
    }
    let name = this.configured ?? requested;
    if (name === undefined) {
      const s = this.state;
      if (s.kind === "ready") name = s.model.id;
      else if (s.kind === "loading") name = s.modelId;
      else if (s.kind === "failed") throw openaiError(500, `Model load failed: ${s.error}`);
      else throw openaiError(500, "No model specified and no model is loaded");
    }
    try {
      return await this.loadOnDemand(name);
    } catch (e) {
      if (e instanceof HttpError) throw openaiError(e.status, (e.body as { error: string }).error);
      throw e;
    }
  }

  /**
   * server.rs `load_model_on_demand`: reuse the matching model, otherwise replace the slot with a
   * new load (daemon mode spawns a worker; the emulator loads in-process). Failure empties the slot
   * and throws HttpError(500, {error}).
   */
  async loadOnDemand(name: string): Promise<LoadedModel> {
    const s = this.state;
    if (s.kind === "ready" && modelMatches(s.model.id, name)) return s.model;
    if (s.kind === "loading" && modelMatches(s.modelId, name)) {
      const result = await s.done;
      if (result.ok) return result.model;
      throw new HttpError(500, { error: result.error });
    }
    this.ctx.log.info("inferrs::server", `Loading model on demand: ${name}`);
    const done = this.runLoad(name).then((result): LoadResult => {
      if (this.state.kind === "loading" && this.state.done === done) {
        this.state = result.ok ? { kind: "ready", model: result.model } : { kind: "empty" };
      }
      return result.ok ? result : { ok: false, error: `failed to load '${name}': ${result.error}` };
    });
    this.state = { kind: "loading", modelId: name, done };
    const result = await done;
    if (result.ok) return result.model;
    throw new HttpError(500, { error: result.error });
  }
}

/** Seconds since the epoch, like server.rs `unix_now`. */
export function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
