// Emulated pulls from the registries (catalog.ts + LLMMAN_EMU_REGISTRY): one task per resolved
// ref (pulls of the same ref are serialised/joined, different refs run concurrently), a progress
// entry like the Go shim's, and the `/api/pull` NDJSON stream of §8.
import type { ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { ModelSpec } from "./catalog.ts";
import type { Settings } from "./knobs.ts";
import type { Store } from "./store.ts";

export interface Progress {
  status: string;
  completed: number;
  total: number;
}

interface Task {
  progress: Progress;
  done: Promise<void>;
}

const MANIFEST_MS = 150;
const TICK_MS = 50;
const LINE_MS = 200;

/** The shim's error for a ref no registry has (the exact texts are not verified, §17). */
function notFound(ref: string): string {
  return ref.startsWith("hf.co/")
    ? `${ref}: HF API error: 401 Unauthorized (repository not found or private)`
    : `resolve: ${ref}: ${ref}: not found`;
}

export class Puller {
  private readonly tasks = new Map<string, Task>();
  private readonly store: Store;
  private readonly registry: Map<string, ModelSpec>;
  private readonly settings: Settings;

  constructor(store: Store, registry: Map<string, ModelSpec>, settings: Settings) {
    this.store = store;
    this.registry = registry;
    this.settings = settings;
  }

  /** Starts the pull of `ref`, or joins the one under way. Rejects with the shim's error text. */
  pull(ref: string): Task {
    const running = this.tasks.get(ref);
    if (running) return running;
    const progress: Progress = { status: "pulling manifest", completed: 0, total: 0 };
    const done = this.run(ref, progress).finally(() => this.tasks.delete(ref));
    done.catch(() => {}); // observed by whoever awaits it
    const task = { progress, done };
    this.tasks.set(ref, task);
    return task;
  }

  progress(ref: string): Progress | undefined {
    return this.tasks.get(ref)?.progress;
  }

  private async run(ref: string, progress: Progress): Promise<void> {
    await sleep(MANIFEST_MS);
    const { pullFail, pullBytesPerSec } = this.settings.emu;
    if (pullFail) throw new Error(pullFail);
    const spec = this.registry.get(ref);
    if (!spec) throw new Error(notFound(ref));
    progress.status = "pulling";
    await sleep(TICK_MS);
    progress.total = spec.size + (spec.mmprojSize ?? 0);
    const start = Date.now();
    while (progress.completed < progress.total) {
      await sleep(TICK_MS);
      progress.completed = Math.min(progress.total, Math.floor(((Date.now() - start) / 1000) * pullBytesPerSec));
    }
    this.store.add(spec);
  }
}

/** One compact NDJSON line, keys alphabetical as serde_json writes them. */
function line(res: ServerResponse, value: Record<string, unknown>): void {
  if (res.destroyed || res.writableEnded) return;
  const sorted = Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
  res.write(`${JSON.stringify(sorted)}\n`);
}

function progressLine(ref: string, p: Progress | undefined): Record<string, unknown> {
  if (p && p.total > 0) return { completed: p.completed, status: p.status || `pulling ${ref}`, total: p.total };
  if (p?.status) return { status: p.status };
  return { status: `pulling ${ref}` };
}

/** `handle_pull`: always 200 NDJSON; errors in-band as `{"error": …}`. */
export async function streamPull(res: ServerResponse, puller: Puller, store: Store, ref: string, settings: Settings): Promise<void> {
  res.writeHead(200, { "content-type": "application/x-ndjson" });
  if (store.find(ref)) {
    if (settings.version === "v0.1.334") line(res, { status: "pulling manifest" });
    line(res, { status: "success" });
    res.end();
    return;
  }
  line(res, { status: "pulling manifest" });
  const task = puller.pull(ref);
  let finished = false;
  let error: string | undefined;
  task.done.then(() => (finished = true), (e: unknown) => {
    finished = true;
    error = e instanceof Error ? e.message : String(e);
  });
  while (!finished) {
    await Promise.race([sleep(LINE_MS), task.done.catch(() => {})]);
    if (!finished) line(res, progressLine(ref, puller.progress(ref)));
  }
  line(res, error === undefined ? { status: "success" } : { error });
  res.end();
}
