// Reads the local Hugging Face hub cache the way inferrs does (inferrs/src/util.rs
// `list_cached_models`): one model per `models--Org--Name` dir, with every `--` turned into `/`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
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
    const file = join(dir, "snapshots", snapshot, "config.json");
    if (!existsSync(file)) continue;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      return parsed && typeof parsed === "object" && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
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
