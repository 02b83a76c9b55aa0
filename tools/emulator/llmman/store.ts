// llmman's model store: an OCI image layout (`oci-layout`, `index.json` whose manifests carry the
// fully qualified ref in `org.opencontainers.image.ref.name`, `blobs/sha256/<hex>`). Model blobs
// are real GGUF headers (no tensors); manifests declare the real models' layer sizes.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_REGISTRY, DEFAULT_STORE_MODELS, ggufMetadata, type ModelSpec } from "./catalog.ts";
import { encodeGguf, type GgufMetadata, readGguf } from "./gguf.ts";

export const REF_ANNOTATION = "org.opencontainers.image.ref.name";
const TITLE = "org.opencontainers.image.title";
export const MEDIA = {
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.docker.ai.model.config.v0.1+json",
  gguf: "application/vnd.docker.ai.gguf.v3",
  mmproj: "application/vnd.docker.ai.mmproj",
  license: "application/vnd.docker.ai.license",
} as const;

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface StoredModel {
  /** The ref annotation, or the manifest digest when it is missing. */
  ref: string;
  digest: string;
  /** Size of the manifest blob itself (485d055's `/api/show` `model_info.size`). */
  manifestSize: number;
  /** Sum of the manifest's layer sizes. */
  size: number;
  ggufPath?: string;
  mmprojPath?: string;
  /** Manifest blob mtime. */
  modified: Date;
}

const LICENSE = "Emulated model licence text (the llmman emulator writes no real weights).\n";

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export class Store {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  blobPath(digest: string): string {
    return join(this.dir, "blobs", "sha256", digest.replace(/^sha256:/, ""));
  }

  private readIndex(): { schemaVersion: number; mediaType?: string; manifests: Descriptor[] } {
    try {
      const index = JSON.parse(readFileSync(join(this.dir, "index.json"), "utf8"));
      return { ...index, manifests: Array.isArray(index.manifests) ? index.manifests : [] };
    } catch {
      return { schemaVersion: 2, mediaType: MEDIA.index, manifests: [] };
    }
  }

  private writeIndex(manifests: Descriptor[]): void {
    this.init();
    const tmp = join(this.dir, `index.json.tmp-${process.pid}`);
    writeFileSync(tmp, `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests }, null, 2)}\n`);
    renameSync(tmp, join(this.dir, "index.json"));
  }

  init(): void {
    mkdirSync(join(this.dir, "blobs", "sha256"), { recursive: true });
    const layout = join(this.dir, "oci-layout");
    if (!existsSync(layout)) writeFileSync(layout, JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    const lock = join(this.dir, "index.json.lock");
    if (!existsSync(lock)) writeFileSync(lock, "");
  }

  private writeBlob(data: Buffer | string): string {
    const digest = `sha256:${sha256(data)}`;
    const path = this.blobPath(digest);
    if (!existsSync(path)) {
      writeFileSync(`${path}.part`, data);
      renameSync(`${path}.part`, path);
    }
    return digest;
  }

  /** Every index entry, in index order (pulled-but-unreadable manifests too). */
  list(): StoredModel[] {
    return this.readIndex().manifests.map((d) => this.describe(d));
  }

  private describe(d: Descriptor): StoredModel {
    const ref = d.annotations?.[REF_ANNOTATION] ?? d.digest;
    let layers: Descriptor[] = [];
    let modified = new Date(0);
    try {
      const path = this.blobPath(d.digest);
      layers = JSON.parse(readFileSync(path, "utf8")).layers ?? [];
      modified = statSync(path).mtime;
    } catch {
      // a manifest blob that is missing or unreadable: size 0, nothing servable
    }
    const find = (type: string) => layers.find((l) => l.mediaType === type);
    const gguf = find(MEDIA.gguf);
    const mmproj = find(MEDIA.mmproj);
    return {
      ref,
      digest: d.digest,
      manifestSize: d.size,
      size: layers.reduce((n, l) => n + (Number(l.size) || 0), 0),
      ggufPath: gguf ? this.blobPath(gguf.digest) : undefined,
      mmprojPath: mmproj ? this.blobPath(mmproj.digest) : undefined,
      modified,
    };
  }

  /** `canonical_ref`: the stored entry whose annotation is exactly this resolved ref. */
  find(ref: string): StoredModel | undefined {
    return this.list().find((m) => m.ref === ref || (!/:[^/]*$/.test(ref) && m.ref === `${ref}:latest`));
  }

  /** The GGUF header of a stored model (undefined when it has no readable GGUF layer). */
  metadata(model: StoredModel): GgufMetadata | undefined {
    if (!model.ggufPath) return undefined;
    try {
      return readGguf(model.ggufPath);
    } catch {
      return undefined;
    }
  }

  /** Writes the model's blobs and manifest, and adds (or replaces) its index entry at the end. */
  add(spec: ModelSpec): StoredModel {
    this.init();
    const docker = spec.ref.startsWith("docker.io/");
    const layer = (mediaType: string, data: Buffer | string, size: number, title: string): Descriptor => ({
      mediaType, digest: this.writeBlob(data), size, annotations: { [TITLE]: title },
    });
    const layers = [layer(MEDIA.gguf, encodeGguf(ggufMetadata(spec)), spec.size, spec.file ?? (docker ? "model.gguf" : `${spec.ref.split("/").pop()!.replace(/:.*$/, "")}.gguf`))];
    if (spec.mmprojSize) {
      const header = encodeGguf({ "general.architecture": "clip", "general.name": `${spec.ref} projector`, "clip.has_vision_encoder": true });
      layers.push(layer(MEDIA.mmproj, header, spec.mmprojSize, docker ? "model.mmproj" : "mmproj-F16.gguf"));
    }
    if (docker) layers.push(layer(MEDIA.license, LICENSE, Buffer.byteLength(LICENSE), "LICENSE"));
    const config = JSON.stringify({
      config: { format: "gguf", quantization: spec.quantization ?? "", parameters: spec.parameterSize ?? "", architecture: spec.arch, size: String(spec.size) },
      descriptor: { created: new Date().toISOString() },
      rootfs: { type: "rootfs", diff_ids: layers.map((l) => l.digest) },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.manifest,
      artifactType: MEDIA.config,
      config: { mediaType: MEDIA.config, digest: this.writeBlob(config), size: Buffer.byteLength(config) },
      layers,
    });
    const entry: Descriptor = { mediaType: MEDIA.manifest, digest: this.writeBlob(manifest), size: Buffer.byteLength(manifest), annotations: { [REF_ANNOTATION]: spec.ref } };
    const others = this.readIndex().manifests.filter((d) => d.annotations?.[REF_ANNOTATION] !== spec.ref);
    this.writeIndex([...others, entry]);
    return this.describe(entry);
  }

  /** Removes the index entry only (no blob GC, no unload), like `/api/delete`. */
  remove(ref: string): boolean {
    const manifests = this.readIndex().manifests;
    const kept = manifests.filter((d) => (d.annotations?.[REF_ANNOTATION] ?? d.digest) !== ref);
    if (kept.length === manifests.length) return false;
    this.writeIndex(kept);
    return true;
  }
}

/**
 * Writes an llmman store at `dir` holding `models` (refs of the default registry, or specs),
 * by default docker.io/ai/qwen3.5:0.8b, docker.io/ai/gemma4:e2b, hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest
 * and docker.io/ai/embeddinggemma:latest.
 */
export function seedLlmmanStore(dir: string, models: ReadonlyArray<string | ModelSpec> = DEFAULT_STORE_MODELS): Store {
  const store = new Store(dir);
  store.init();
  for (const m of models) {
    const spec = typeof m === "string" ? DEFAULT_REGISTRY.find((r) => r.ref === m) : m;
    if (!spec) throw new Error(`seedLlmmanStore: no model ${m} in the emulator's registry (pass a ModelSpec)`);
    store.add(spec);
  }
  return store;
}
