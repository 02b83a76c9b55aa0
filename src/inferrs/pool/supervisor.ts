// The one inferrs supervisor of this OpenClaw process, shared by all of the plugin's
// registrations: a pool of `inferrs serve` processes, one model each (inferrs serves one model per
// process). It starts a model's server on demand, routes its requests there, swaps the least
// recently used idle server out when the pool is full, stops servers when idle or when OpenClaw
// stops, and never adopts or stops a server it did not start.
import { modelSettings } from "../../config/model-settings.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { freePort } from "../../service/free-port.ts";
import { serverAddress } from "../../service/server-address.ts";
import { STOP_GRACE_MS } from "../../service/server-process.ts";
import { modelIdProblem } from "../model-id.ts";
import * as errors from "../server/errors.ts";
import { describeProgress, type LoadProgress } from "../server/load-progress.ts";
import { sameModel } from "../server/probe.ts";
import { cancelledStart, checkBasePort, exitWithin, startServer } from "./launch.ts";
import { SlotRecords } from "./records.ts";
import { foreignLease, leastRecentlyUsed, type AcquireOptions, type Group, type Lease, serverStatus, type Slot, type SupervisorStatus, type Waiter } from "./slot.ts";
import { attachRegistration } from "../../service/registrations.ts";

export type { AcquireOptions, Lease, ServerStatus, SupervisorStatus } from "./slot.ts";

type Logger = { info(message: string): void; warn(message: string): void };

const CRASH_WAIT_MS = 500;
/** How long a server the user runs is trusted to keep serving the model it was seen serving. */
const FOREIGN_RECHECK_MS = 2000;

export class Supervisor {
  /** Where start progress goes (the plugin logger); the gateway's log and --local consoles. */
  logger: Logger | undefined;
  private readonly slots = new Set<Slot>();
  private readonly queue: Group[] = [];
  private foreignSeen: { origin: string; model: string; until: number } | undefined;
  private spawns = 0;
  private readonly registrations = { users: 0 };
  private readonly records: SlotRecords;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;

  constructor(options: { env: NodeJS.ProcessEnv; stateDir: string; logger?: Logger }) {
    this.env = options.env;
    this.stateDir = options.stateDir;
    this.logger = options.logger;
    this.records = new SlotRecords(options.stateDir, this.slots);
  }

  /**
   * Makes sure a server serves `model`, then holds a lease on it until release(): a server is
   * never stopped or swapped out while a lease is held.
   */
  acquire(model: string, config: ResolvedConfig, options: AcquireOptions = {}): Promise<Lease> {
    const problem = modelIdProblem(model, config);
    if (problem) return Promise.reject(new errors.InferrsServiceError(problem));
    const embedding = options.embedding === true;
    // Hot paths, no round trip: our own live server for this model, or a server the user runs,
    // seen serving this model a moment ago.
    const slot = this.servingSlot(model, embedding, config);
    if (slot?.state === "ready") return Promise.resolve(this.lease(slot, config));
    const seen = this.foreignSeen;
    if (!embedding && seen && seen.origin === config.origin && sameModel(seen.model, model) && Date.now() < seen.until) {
      return Promise.resolve(foreignLease(config));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { config, onProgress: options.onProgress, resolve, reject };
      const group = this.groupFor(model, embedding);
      if (group) group.waiters.push(waiter);
      else this.queue.push({ model, embedding, waiters: [waiter] });
      this.schedule();
    });
  }

  /** Starts the configured `service.preload` models in the background (gateway start). */
  preload(config: ResolvedConfig): void {
    for (const model of config.service.preload.slice(0, config.service.maxServers)) {
      this.acquire(model, config).then(
        (lease) => lease.release(),
        (error: unknown) => this.logger?.warn(`inferrs: could not preload ${model}: ${(error as Error).message}`),
      );
    }
  }

  status(): SupervisorStatus {
    const now = Date.now();
    const servers = [...this.slots].filter((slot) => slot.proc?.running && slot.state !== "stopping").map((slot) => serverStatus(slot, now));
    return { servers, waiting: this.queue.reduce((sum, group) => sum + group.waiters.length, 0), spawns: this.spawns };
  }

  /** A registration of the plugin uses the supervisor; the last one to leave stops the servers. */
  attach(): () => Promise<void> {
    return attachRegistration(this.registrations, () => this.stop());
  }

  /** Stops every server we started, now (gateway stop, last registration disposed). */
  async stop(): Promise<void> {
    const stopping = new Error("OpenClaw is stopping the inferrs servers it started");
    for (const group of this.queue.splice(0)) for (const waiter of group.waiters) waiter.reject(stopping);
    await Promise.all([...this.slots].map((slot) => this.retire(slot)));
  }

  /** A usable (not draining) server for the model at the configured address, starting or ready. */
  private servingSlot(model: string, embedding: boolean, config: ResolvedConfig): Slot | undefined {
    for (const slot of this.slots) {
      if (slot.draining || slot.state === "stopping" || slot.embedding !== embedding) continue;
      if (!sameModel(slot.model, model)) continue;
      if (slot.config.origin !== config.origin) {
        this.drainSlot(slot); // the config moved to another address
        continue;
      }
      if (slot.state === "ready" && !slot.proc?.running) continue; // died; its exit event removes it
      return slot;
    }
    return undefined;
  }

  /**
   * Serves the waiting groups in arrival order: a ready server gets its group's leases, a pool with
   * room starts the next model, a full pool drains one server per group still waiting for a slot.
   */
  private schedule(): void {
    const missing = { chat: 0, embedding: 0 };
    for (const group of [...this.queue]) {
      const config = group.waiters[0]!.config;
      const slot = this.servingSlot(group.model, group.embedding, config);
      if (slot) {
        if (slot.state === "ready") {
          this.queue.splice(this.queue.indexOf(group), 1);
          for (const waiter of group.waiters) waiter.resolve(this.lease(slot, waiter.config));
        }
        continue; // starting: its readiness schedules again
      }
      const pool = [...this.slots].filter((s) => s.embedding === group.embedding);
      const capacity = group.embedding ? 1 : config.service.maxServers;
      if (pool.length < capacity) {
        this.launch(group, config);
        continue;
      }
      const kind = group.embedding ? "embedding" : "chat";
      missing[kind]++;
      if (pool.filter((s) => s.draining).length >= missing[kind]) continue;
      const victim = leastRecentlyUsed(pool.filter((s) => !s.draining && s.state === "ready"));
      if (victim) this.drainSlot(victim);
    }
  }

  /** No new leases; stopped once the last one is released. */
  private drainSlot(slot: Slot): void {
    slot.draining = true;
    clearTimeout(slot.idleTimer);
    if (slot.leases === 0 && slot.state === "ready") void this.retire(slot);
  }

  /** `config` is the request's: an idle bound edited in a running gateway applies to a server already running. */
  private lease(slot: Slot, config: ResolvedConfig): Lease {
    slot.settings = { ...slot.settings, idleStopMs: modelSettings(config, slot.model).idleStopMs };
    slot.leases++;
    slot.lastUsed = Date.now();
    clearTimeout(slot.idleTimer);
    this.records.save(slot);
    let released = false;
    return {
      baseUrl: serverAddress(slot.config, slot.port).baseUrl,
      release: () => {
        if (released) return;
        released = true;
        slot.leases--;
        slot.lastUsed = Date.now();
        this.records.save(slot);
        if (slot.leases === 0) this.onIdle(slot);
      },
      serverExit: (waitMs = CRASH_WAIT_MS) => exitWithin(slot.proc, waitMs),
    };
  }

  private onIdle(slot: Slot): void {
    if (slot.draining) {
      void this.retire(slot);
      return;
    }
    this.schedule(); // a full pool may be waiting for an idle server
    const idleStopMs = slot.settings.idleStopMs;
    if (idleStopMs <= 0 || slot.draining || !this.slots.has(slot)) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      if (slot.leases === 0) void this.retire(slot);
    }, idleStopMs);
    slot.idleTimer.unref();
  }

  /** Decides the port, then starts the group's model there (or finds the user's server serving it). */
  private launch(group: Group, config: ResolvedConfig): void {
    const { model, embedding } = group;
    const settings = modelSettings(config, model);
    const onBasePort = !embedding && ![...this.slots].some((s) => s.port === config.port);
    const slot: Slot = {
      model,
      embedding,
      port: onBasePort ? config.port : 0,
      config,
      settings,
      state: "starting",
      proc: undefined,
      command: config.service.command,
      args: [],
      recordFile: "",
      leases: 0,
      draining: false,
      lastUsed: Date.now(),
      idleTimer: undefined,
    };
    this.slots.add(slot);
    void (async () => {
      try {
        await this.records.reapOrphans();
        if (onBasePort) {
          const base = await checkBasePort(model, config, this.stateDir);
          if (base === "foreign") {
            this.foreignSeen = { origin: config.origin, model, until: Date.now() + FOREIGN_RECHECK_MS };
            this.slots.delete(slot);
            this.takeGroup(model, embedding)?.waiters.forEach((waiter) => waiter.resolve(foreignLease(config)));
            this.schedule();
            return;
          }
          if (base === "taken") slot.port = await freePort(config.host);
        } else {
          slot.port = await freePort(config.host);
        }
        await startServer(slot, {
          env: this.env,
          stateDir: this.stateDir,
          spawned: (started) => {
            this.spawns++;
            this.records.spawned(started);
          },
          progress: (started, progress) => this.report(started, progress),
          exited: (started) => this.onExit(started),
        });
        if (slot.state === "stopping") throw cancelledStart(model);
        slot.state = "ready";
        this.records.save(slot);
      } catch (error) {
        // Take the waiters first: retire() schedules again, and would start the model once more for them.
        const group = this.takeGroup(model, embedding);
        await this.retire(slot);
        for (const waiter of group?.waiters ?? []) waiter.reject(error);
      }
      this.schedule();
    })();
  }

  private groupFor(model: string, embedding: boolean): Group | undefined {
    return this.queue.find((g) => g.embedding === embedding && sameModel(g.model, model));
  }

  private takeGroup(model: string, embedding: boolean): Group | undefined {
    const group = this.groupFor(model, embedding);
    if (group) this.queue.splice(this.queue.indexOf(group), 1);
    return group;
  }

  private report(slot: Slot, progress: LoadProgress): void {
    this.logger?.info(describeProgress(progress));
    for (const waiter of this.groupFor(slot.model, slot.embedding)?.waiters ?? []) {
      try {
        waiter.onProgress?.(progress);
      } catch {
        // a listener's failure must not stop the start
      }
    }
  }

  /** A ready server of ours exited on its own (a crash during a start fails that start instead). */
  private onExit(slot: Slot): void {
    if (!this.slots.has(slot) || slot.state !== "ready") return;
    this.slots.delete(slot);
    clearTimeout(slot.idleTimer);
    this.records.remove(slot);
    this.schedule();
  }

  /** Stops a slot's server (if any) and takes it out of the pool. */
  private async retire(slot: Slot): Promise<void> {
    if (slot.state === "stopping") return;
    slot.state = "stopping"; // also cancels a start in progress
    clearTimeout(slot.idleTimer);
    if (slot.proc) {
      await slot.proc.stop(STOP_GRACE_MS);
      this.records.remove(slot);
    }
    this.slots.delete(slot);
    this.schedule();
  }
}

const SUPERVISOR_KEY = Symbol.for("openclaw-inferrs.supervisor");

/** One supervisor per process, however many times the host registers the plugin. */
export function sharedSupervisor(options: { env: NodeJS.ProcessEnv; stateDir: string }): Supervisor {
  const global = globalThis as { [SUPERVISOR_KEY]?: Supervisor };
  global[SUPERVISOR_KEY] ??= new Supervisor(options);
  return global[SUPERVISOR_KEY];
}
