// What llmman has stored on disk, for when its daemon is down but would be started on demand:
// the OCI image layout's index.json (each manifest's ref annotation is the model id /v1/models
// would list) and each manifest's layers: a companion mmproj layer means vision (§16), and the
// GGUF layer's header gives the trained context and tells an embedding model.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { MAX_LIST_BODY_BYTES, MAX_LISTED_MODELS } from "../defaults.ts";
import { modelIdProblem } from "../model-id.ts";
import { readGgufFacts } from "./gguf-header.ts";

const REF_ANNOTATION = "org.opencontainers.image.ref.name";
const MAX_MANIFEST_BYTES = 1024 * 1024;

export type StoredModel = {
  id: string;
  vision: boolean;
  /** `<arch>.context_length` of its GGUF layer. */
  trainedContext?: number;
  /** Its GGUF header sets `<arch>.pooling_type`: an embedding model, no chat model. */
  embedding: boolean;
};

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
    out.push(describe(dir, id, digest));
    if (out.length >= MAX_LISTED_MODELS) break;
  }
  return out;
}

function describe(dir: string, id: string, digest: unknown): StoredModel {
  const manifest = readJson(blobPath(dir, digest) ?? "", MAX_MANIFEST_BYTES) as { layers?: unknown } | undefined;
  const layers = (Array.isArray(manifest?.layers) ? manifest.layers : []).map((layer) => ({
    mediaType: String((layer as { mediaType?: unknown })?.mediaType ?? ""),
    digest: (layer as { digest?: unknown })?.digest,
  }));
  const gguf = layers.find((layer) => /gguf/i.test(layer.mediaType) && !/mmproj/i.test(layer.mediaType));
  const path = gguf && blobPath(dir, gguf.digest);
  const header = path ? readGgufFacts(path) : undefined;
  return {
    id,
    vision: layers.some((layer) => /mmproj/i.test(layer.mediaType)),
    trainedContext: header?.contextLength,
    embedding: header?.embedding === true,
  };
}

function blobPath(dir: string, digest: unknown): string | undefined {
  const hex = typeof digest === "string" ? /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1] : undefined;
  return hex && join(dir, "blobs", "sha256", hex);
}

function readJson(file: string, maxBytes: number): unknown {
  try {
    if (statSync(file).size > maxBytes) return undefined;
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
