// Reads the local Hugging Face hub cache the way inferrs does (inferrs/src/util.rs
// `list_cached_models`): one model per `models--Org--Name` dir, with every `--` turned into `/`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "huggingface", "hub");
  return join(env.HOME || homedir(), ".cache", "huggingface", "hub");
}

/** Model ids in the cache, sorted like inferrs' listing; [] when there is no cache. */
export function listCachedModelIds(hubDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(hubDir);
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith("models--") && name.length > "models--".length)
    .map((name) => name.slice("models--".length).replaceAll("--", "/"))
    .sort();
}

export function modelCacheDir(hubDir: string, modelId: string): string {
  return join(hubDir, `models--${modelId.replaceAll("/", "--")}`);
}

/**
 * The model's config.json from the snapshot `refs/main` points at, else from the newest snapshot
 * that has one. undefined when the model is not cached or its config is unreadable.
 */
export function readCachedModelConfig(hubDir: string, modelId: string): Record<string, unknown> | undefined {
  const dir = modelCacheDir(hubDir, modelId);
  for (const snapshot of snapshotCandidates(dir)) {
    const text = readCacheFile(join(dir, "snapshots", snapshot, "config.json"));
    if (text !== undefined) return jsonObject(text);
  }
  return undefined;
}

/** What inferrs gets from tokenizer_config.json; `snapshot: false` when the cache cannot tell. */
export type TokenizerTemplate = { snapshot: false } | { snapshot: true; chatTemplate: string | undefined };

/**
 * The `chat_template` inferrs would read, found the way hf-hub finds a cached file: the commit in
 * `refs/<revision>` taken as is (not trimmed), then `snapshots/<commit>/tokenizer_config.json`.
 * A snapshot without that file, or one inferrs cannot parse (a list-form `chat_template`, invalid
 * UTF-8 or JSON), gives no template (inferrs then uses ChatML). chat_template.jinja is never read.
 */
export function readTokenizerTemplate(hubDir: string, modelId: string, revision = "main"): TokenizerTemplate {
  const dir = modelCacheDir(hubDir, modelId);
  let commit: string;
  try {
    commit = readFileSync(join(dir, "refs", revision), "utf8");
  } catch {
    return { snapshot: false };
  }
  if (!isPlainName(commit) || !isDirectory(join(dir, "snapshots", commit))) return { snapshot: false };
  const text = readCacheFile(join(dir, "snapshots", commit, "tokenizer_config.json"));
  const template = text === undefined ? undefined : jsonObject(text)?.chat_template;
  return { snapshot: true, chatTemplate: typeof template === "string" ? template : undefined };
}

/**
 * A cache file is read only when it is a regular file of sane size (never a FIFO or a device), as
 * strict UTF-8 with any BOM kept, so that what serde_json refuses JSON.parse refuses too.
 */
const MAX_CACHE_FILE_BYTES = 32 * 1024 * 1024;

function readCacheFile(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > MAX_CACHE_FILE_BYTES) return undefined;
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(readFileSync(path));
  } catch {
    return undefined;
  }
}

function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A commit name that stays inside `snapshots/` (a hostile ref could point anywhere). */
function isPlainName(name: string): boolean {
  return name !== "" && name !== "." && name !== ".." && !/[/\\\0]/.test(name);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function snapshotCandidates(modelDir: string): string[] {
  let snapshots: string[];
  try {
    snapshots = readdirSync(join(modelDir, "snapshots"));
  } catch {
    return [];
  }
  const byNewest = snapshots
    .map((name) => ({ name, mtime: safeMtime(join(modelDir, "snapshots", name)) }))
    .sort((a, b) => b.mtime - a.mtime)
    .map((entry) => entry.name);
  const main = readRef(modelDir);
  return main && byNewest.includes(main) ? [main, ...byNewest.filter((name) => name !== main)] : byNewest;
}

function readRef(modelDir: string): string | undefined {
  try {
    return readFileSync(join(modelDir, "refs", "main"), "utf8").trim() || undefined;
  } catch {
    return undefined;
  }
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
