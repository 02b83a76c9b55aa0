// The daemon's model manager (`ensure_model`, §1.3–1.4, §9): running models keyed by canonical
// ref, a per-model load lock, pull-on-demand, cancellation when the requester goes away, and (v0.1.334)
// keep-alive with an idle reaper, LLMMAN_MAX_LOADED_MODELS with LRU eviction, in-flight counts.
import { type Backend, log, startBackend } from "./backend.ts";
import { AppError, Cancelled } from "./http.ts";
import { DEFAULT_CONTEXT, type Settings } from "./knobs.ts";
import type { Puller } from "./pull.ts";
import type { Store, StoredModel } from "./store.ts";

export interface Running {
  ref: string;
  model: StoredModel;
  backend: Backend;
  startedAt: Date;
  /** Wall-clock ms of the last request start or end. */
  lastActive: number;
  /** null = never unloaded by the reaper. */
  keepAliveMs: number | null;
  inFlight: number;
}

/** Resolves with `p`, or rejects with Cancelled as soon as `signal` fires. */
function unlessAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export class Manager {
  readonly running = new Map<string, Running>();
  private readonly loads = new Map<string, Promise<Running>>();
  private pending = 0;
  private reaper?: NodeJS.Timeout;
  private readonly store: Store;
  private readonly puller: Puller;
  private readonly settings: Settings;

  constructor(store: Store, puller: Puller, settings: Settings) {
    this.store = store;
    this.puller = puller;
    this.settings = settings;
  }

  /** Loads `ref` if needed (pulling it first when not stored) and counts the caller in-flight: call `release`. */
  async acquire(ref: string, signal: AbortSignal): Promise<Running> {
    for (;;) {
      if (signal.aborted) throw new Cancelled();
      const stored = this.store.find(ref);
      const key = stored?.ref ?? ref;
      const current = this.running.get(key);
      if (current) {
        if (current.backend.alive()) {
          current.inFlight++;
          current.lastActive = Date.now();
          return current;
        }
        log(`[llmman] ${key} was marked running on port ${current.backend.port} but its process has exited — reloading`);
        this.running.delete(key);
      }
      const pendingLoad = this.loads.get(key);
      if (pendingLoad) {
        await unlessAborted(pendingLoad.catch(() => undefined), signal);
        continue;
      }
      if (!stored) {
        log(`[llmman] ${ref} not in store — pulling`);
        try {
          await unlessAborted(this.puller.pull(ref).done, signal);
        } catch (e) {
          if (e instanceof Cancelled) throw e;
          throw new AppError(500, `pull failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        continue;
      }
      const load = this.load(stored, signal);
      this.loads.set(key, load);
      try {
        const r = await load;
        r.inFlight++;
        return r;
      } finally {
        this.loads.delete(key);
      }
    }
  }

  release(r: Running): void {
    r.inFlight = Math.max(0, r.inFlight - 1);
    r.lastActive = Date.now();
  }

  /** The `--ctx-size` a load gets: v0.1.334 LLMMAN_CONTEXT_LENGTH semantics, or 485d055's `--ctx-size` flag. */
  private ctxSize(trained: number | undefined, embedding: boolean): number | undefined {
    const set = this.settings.contextLength;
    if (this.settings.version === "485d055") return set;
    if (embedding || set === 0) return trained;
    if (set !== undefined) return set;
    return trained === undefined ? DEFAULT_CONTEXT : Math.min(DEFAULT_CONTEXT, trained);
  }

  private async load(model: StoredModel, signal: AbortSignal): Promise<Running> {
    this.pending++;
    try {
      await this.makeRoom(signal);
      const meta = this.store.metadata(model) ?? {};
      const arch = String(meta["general.architecture"] ?? "");
      const trained = Number(meta[`${arch}.context_length`]) || undefined;
      const embedding = meta[`${arch}.pooling_type`] !== undefined;
      const backend = await startBackend({
        ref: model.ref,
        model,
        settings: this.settings,
        ctxSize: this.ctxSize(trained, embedding),
        embedding: embedding && this.settings.version === "v0.1.334",
        signal,
      });
      const r: Running = { ref: model.ref, model, backend, startedAt: new Date(), lastActive: Date.now(), keepAliveMs: this.settings.keepAliveMs, inFlight: 0 };
      this.running.set(model.ref, r);
      return r;
    } finally {
      this.pending--;
    }
  }

  /** LLMMAN_MAX_LOADED_MODELS: evict the least recently active idle model, or 503 when all are busy. */
  private async makeRoom(signal: AbortSignal): Promise<void> {
    const cap = this.settings.maxLoadedModels;
    if (!cap) return;
    for (;;) {
      if (this.running.size + this.pending - 1 < cap) return;
      const idle = [...this.running.values()].filter((r) => r.inFlight === 0).sort((a, b) => a.lastActive - b.lastActive)[0];
      if (idle) {
        log(`[llmman] evicting ${idle.ref} to free a loaded-model slot (LLMMAN_MAX_LOADED_MODELS=${cap})`);
        this.remove(idle);
        continue;
      }
      if (this.running.size > 0) throw new AppError(503, `max loaded models (${cap}) reached, and every loaded model is busy — try again`);
      await unlessAborted(Promise.race([...this.loads.values()].map((p) => p.catch(() => undefined))), signal);
    }
  }

  private remove(r: Running): void {
    this.running.delete(r.ref);
    r.backend.kill();
  }

  /** `keep_alive: 0`: waits for a load under way, then unloads (200 whether or not it was loaded). */
  async unload(ref: string): Promise<boolean> {
    const key = this.store.find(ref)?.ref ?? ref;
    await this.loads.get(key)?.catch(() => undefined);
    const r = this.running.get(key);
    if (!r) return false;
    log(`[llmman] unloading ${key}`);
    this.remove(r);
    return true;
  }

  /** The idle reaper (v0.1.334 only; 485d055 has no idle-unload timer). */
  startReaper(): void {
    if (this.settings.version !== "v0.1.334") return;
    this.reaper = setInterval(() => this.reap(), this.settings.emu.reapMs);
    this.reaper.unref();
  }

  private reap(): void {
    const now = Date.now();
    for (const r of [...this.running.values()]) {
      if (!r.backend.alive()) {
        log(`[llmman] unloading ${r.ref}: its backend had already exited`);
        this.running.delete(r.ref);
      } else if (r.keepAliveMs !== null && r.inFlight === 0 && now - r.lastActive >= r.keepAliveMs) {
        log(`[llmman] unloading ${r.ref}: idle past its keep_alive deadline`);
        this.remove(r);
      }
    }
  }

  /** Daemon exit: `running.clear()` SIGKILLs every backend. */
  async shutdown(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    const all = [...this.running.values()];
    this.running.clear();
    for (const r of all) r.backend.kill();
    await Promise.all(all.map((r) => r.backend.exited));
  }
}
