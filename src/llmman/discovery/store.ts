// What llmman has stored on disk, for when its daemon is down but would be started on demand:
// the OCI image layout's index.json (each manifest's ref annotation is the model id /v1/models
// would list) and each manifest's layers (a companion mmproj layer means vision, §16).
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { MAX_LIST_BODY_BYTES, MAX_LISTED_MODELS } from "../defaults.ts";
import { modelIdProblem } from "../model-id.ts";

const REF_ANNOTATION = "org.opencontainers.image.ref.name";
const MAX_MANIFEST_BYTES = 1024 * 1024;

export type StoredModel = { id: string; vision: boolean };

/**
 * The store a daemon the plugin starts would use: LLMMAN_MODELS (service.env, else ours), else
 * `--store` in service.args (485d055), else ~/.local/share/llmman/store.
 */
export function storeDir(config: Pick<ResolvedLlmmanConfig, "service">, env: NodeJS.ProcessEnv): string {
  const { args } = config.service;
  const flag = args.findIndex((arg) => arg === "--store" || arg.startsWith("--store="));
  const fromArgs = flag === -1 ? undefined : args[flag]!.includes("=") ? args[flag]!.slice(8) : args[flag + 1];
  return config.service.env.LLMMAN_MODELS || env.LLMMAN_MODELS || fromArgs || join(env.HOME || homedir(), ".local", "share", "llmman", "store");
}

/** The stored models, in index order; [] when there is no store. Never throws on a bad file. */
export function listStoredModels(dir: string): StoredModel[] {
  const index = readJson(join(dir, "index.json"), MAX_LIST_BODY_BYTES) as { manifests?: unknown } | undefined;
  const manifests = Array.isArray(index?.manifests) ? index.manifests : [];
  const out: StoredModel[] = [];
  const seen = new Set<string>();
  for (const descriptor of manifests) {
    const { annotations, digest } = (descriptor ?? {}) as { annotations?: Record<string, unknown>; digest?: unknown };
    const id = annotations?.[REF_ANNOTATION];
    if (typeof id !== "string" || modelIdProblem(id) || seen.has(id)) continue;
    seen.add(id);
    out.push({ id, vision: typeof digest === "string" && hasMmproj(dir, digest) });
    if (out.length >= MAX_LISTED_MODELS) break;
  }
  return out;
}

function hasMmproj(dir: string, digest: string): boolean {
  const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
  if (!hex) return false;
  const manifest = readJson(join(dir, "blobs", "sha256", hex), MAX_MANIFEST_BYTES) as { layers?: unknown } | undefined;
  const layers = Array.isArray(manifest?.layers) ? manifest.layers : [];
  return layers.some((layer) => /mmproj/i.test(String((layer as { mediaType?: unknown })?.mediaType ?? "")));
}

function readJson(file: string, maxBytes: number): unknown {
  try {
    if (statSync(file).size > maxBytes) return undefined;
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
