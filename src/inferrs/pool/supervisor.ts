// The one inferrs supervisor of this OpenClaw process, shared by all of the plugin's
// registrations: a pool of `inferrs serve` processes, one model each (inferrs serves one model per
// process). It starts a model's server on demand, routes its requests there, swaps the least
// recently used idle server out when the pool is full, stops servers when idle or when OpenClaw
// stops, and never adopts or stops a server it did not start.
import { modelSettings, type ModelSettings } from "../../config/model-settings.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import { modelIdProblem } from "../model-id.ts";
import { configSecrets } from "../../secrets.ts";
import { lookUpCommand } from "../../service/command.ts";
import * as errors from "../server/errors.ts";
import { freePort } from "../../service/free-port.ts";
import { describeProgress, watchLoad, type LoadProgress } from "../server/load-progress.ts";
import {
  listRecords,
  processStartTime,
  reapOrphan,
  recordPath,
  removeRecord,
  startedBy,
  writeRecord,
  type PidRecord,
} from "../../service/pid-record.ts";
import { probeServer, sameModel } from "../server/probe.ts";
import { NotReadyError, waitForHealth } from "../server/readiness.ts";
import { serveArgv } from "../server/serve-argv.ts";
import { serverAddress } from "../../service/server-address.ts";
import { ServerProcess, STOP_GRACE_MS } from "../../service/server-process.ts";

export type Lease = {
  /** The `/v1` base URL of the server that serves the model. */
  baseUrl: string;
  release(): void;
  /** How the server ended, if it died on its own (a cut connection can be seen before the exit). */
  serverExit(waitMs?: number): Promise<string | undefined>;
};

export type AcquireOptions = {
  /** The embedding server (memory search): its own slot, outside service.maxServers. */
  embedding?: boolean;
  /** Called while the model's server starts (every few seconds, then once when ready). */
  onProgress?: (progress: LoadProgress) => void;
};

export type ServerStatus = {
  model: string;
  port: number;
  pid: number;
  state: "loading" | "ready";
  embedding: boolean;
  inflight: number;
  idleMs: number | null;
  uptimeMs: number;
  command: string;
  args: string[];
};

export type SupervisorStatus = { servers: ServerStatus[]; waiting: number; spawns: number };

type Logger = { info(message: string): void; warn(message: string): void };

const CRASH_WAIT_MS = 500;
/** How long a server the user runs is trusted to keep serving the model it was seen serving. */
const FOREIGN_RECHECK_MS = 2000;

/** One server of the pool, from the moment its start is decided until it has stopped. */
type Slot = {
  model: string;
  embedding: boolean;
  /** 0 until a free port has been picked. */
  port: number;
  config: ResolvedConfig;
  settings: ModelSettings;
  state: "starting" | "ready" | "stopping";
  proc: ServerProcess | undefined;
  command: string;
  args: string[];
  /** The kernel's start time of the server process, for its pid record. */
  processStart: string | undefined;
  recordFile: string;
  leases: number;
  /** Chosen to make room: takes no new lease and stops once its leases are released. */
  draining: boolean;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
};

type Waiter = {
  config: ResolvedConfig;
  onProgress: AcquireOptions["onProgress"];
  resolve(lease: Lease): void;
  reject(error: unknown): void;
};

/** Requests for one model that wait for its server; groups are served in arrival order. */
type Group = { model: string; embedding: boolean; waiters: Waiter[] };

export class Supervisor {
  /** Where start progress goes (the plugin logger); the gateway's log and --local consoles. */
  logger: Logger | undefined;
  private readonly slots = new Set<Slot>();
  private readonly queue: Group[] = [];
  private foreignSeen: { origin: string; model: string; until: number } | undefined;
  private spawns = 0;
  private users = 0;
  private exitHook = false;
  /** Servers whose pid record is rewritten at the next tick. */
  private readonly staleRecords = new Set<Slot>();
  private recordFlush: NodeJS.Immediate | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;

  constructor(options: { env: NodeJS.ProcessEnv; stateDir: string; logger?: Logger }) {
    this.env = options.env;
    this.stateDir = options.stateDir;
    this.logger = options.logger;
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
    if (slot?.state === "ready") return Promise.resolve(this.lease(slot));
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
    const servers = [...this.slots]
      .filter((slot) => slot.proc?.running && slot.state !== "stopping")
      .map((slot) => ({
        model: slot.model,
        port: slot.port,
        pid: slot.proc!.pid,
        state: slot.state === "ready" ? ("ready" as const) : ("loading" as const),
        embedding: slot.embedding,
        inflight: slot.leases,
        idleMs: slot.leases === 0 ? now - slot.lastUsed : null,
        uptimeMs: now - slot.proc!.startedAt,
        command: slot.command,
        args: slot.args,
      }));
    return { servers, waiting: this.queue.reduce((sum, group) => sum + group.waiters.length, 0), spawns: this.spawns };
  }

  /** A registration of the plugin uses the supervisor; the last one to leave stops the servers. */
  attach(): () => Promise<void> {
    this.users++;
    let detached = false;
    return async () => {
      if (detached) return;
      detached = true;
      if (--this.users === 0) await this.stop();
    };
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
          for (const waiter of group.waiters) waiter.resolve(this.lease(slot));
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

  private lease(slot: Slot): Lease {
    slot.leases++;
    slot.lastUsed = Date.now();
    clearTimeout(slot.idleTimer);
    this.saveRecord(slot);
    let released = false;
    return {
      baseUrl: serverAddress(slot.config, slot.port).baseUrl,
      release: () => {
        if (released) return;
        released = true;
        slot.leases--;
        slot.lastUsed = Date.now();
        this.saveRecord(slot);
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
      processStart: undefined,
      recordFile: "",
      leases: 0,
      draining: false,
      lastUsed: Date.now(),
      idleTimer: undefined,
    };
    this.slots.add(slot);
    void (async () => {
      try {
        this.reapOrphans();
        if (onBasePort) {
          const base = await this.checkBasePort(model, config);
          if (base === "foreign") {
            this.slots.delete(slot);
            this.takeGroup(model, embedding)?.waiters.forEach((waiter) => waiter.resolve(foreignLease(config)));
            this.schedule();
            return;
          }
          if (base === "taken") slot.port = await freePort(config.host);
        } else {
          slot.port = await freePort(config.host);
        }
        await this.startServer(slot);
        if (slot.state === "stopping") throw cancelledStart(model);
        slot.state = "ready";
        this.saveRecord(slot);
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

  /**
   * What listens on baseUrl's port before we start there: nothing ("free"), the user's server
   * serving the model ("foreign": used as it is), or the user's server serving another model
   * ("taken": with a pool, ours goes on another port). Anything else is an error naming the fix.
   */
  private async checkBasePort(model: string, config: ResolvedConfig): Promise<"free" | "foreign" | "taken"> {
    let state = await probeServer(config);
    if (state.kind === "loading") {
      try {
        await waitForHealth(config.origin, config.service.readyTimeoutMs);
      } catch (error) {
        if (error instanceof NotReadyError) throw errors.foreignNotReady(config);
        throw error;
      }
      state = await probeServer(config);
    }
    switch (state.kind) {
      case "down":
        return "free";
      case "ready":
        if (state.served === undefined || sameModel(state.served, model)) {
          this.foreignSeen = { origin: config.origin, model, until: Date.now() + FOREIGN_RECHECK_MS };
          return "foreign";
        }
        if (config.service.maxServers > 1) return "taken";
        throw errors.foreignModel(config, state.served, model, startedBy(recordPath(this.stateDir, config.port)));
      case "failed":
        throw errors.foreignFailed(config, startedBy(recordPath(this.stateDir, config.port)));
      case "foreign-http":
        throw errors.notInferrs(config, state.status);
      case "loading":
        throw errors.foreignNotReady(config);
    }
  }

  /** Spawns `inferrs serve` for the slot and waits for /health 200, reporting progress. */
  private async startServer(slot: Slot): Promise<void> {
    const { config, model } = slot;
    const lookup = lookUpCommand(config.service.command, this.env);
    const why = errors.whyNoAutoStart(config, lookup);
    const command = lookup.path;
    if (why || command === undefined) throw errors.notRunning(config, model, "connection refused", why ?? "");
    if (slot.state === "stopping") throw cancelledStart(model);

    const args = serveArgv(model, config, { port: slot.port, args: slot.settings.args });
    const env = { ...this.env, ...slot.settings.env } as Record<string, string>;
    const proc = await ServerProcess.spawn(command, args, env, configSecrets(config));
    this.spawns++;
    Object.assign(slot, { proc, command, args, recordFile: recordPath(this.stateDir, slot.port) });
    if (proc.pid > 0) {
      slot.processStart = processStartTime(proc.pid);
      this.writeSlotRecord(slot); // at once: a kill of OpenClaw right after the spawn must leave a record
      this.installExitHook();
    }

    const abort = new AbortController();
    void proc.exited.then((exit) => {
      abort.abort(errors.exitedDuringStart(config, model, describeExit(exit), proc.output.text()));
      this.onExit(slot);
    });
    const endProgress = watchLoad({ model, port: slot.port, output: proc.output }, (progress) => this.report(slot, progress));
    try {
      const health = await waitForHealth(serverAddress(config, slot.port).origin, config.service.readyTimeoutMs, abort.signal);
      if (health === "failed") throw errors.loadFailed(model, loadFailure(proc), proc.output.text());
      endProgress("ready");
    } catch (error) {
      endProgress();
      if (error instanceof NotReadyError) throw errors.readyTimeout(config, model, proc.output.text());
      throw error;
    } finally {
      abort.abort();
    }
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
    removeRecord(slot.recordFile, slot.proc!.pid);
    this.schedule();
  }

  /** Stops a slot's server (if any) and takes it out of the pool. */
  private async retire(slot: Slot): Promise<void> {
    if (slot.state === "stopping") return;
    slot.state = "stopping"; // also cancels a start in progress
    clearTimeout(slot.idleTimer);
    if (slot.proc) {
      await slot.proc.stop(STOP_GRACE_MS);
      removeRecord(slot.recordFile, slot.proc.pid);
    }
    this.slots.delete(slot);
    this.schedule();
  }

  /** Stops servers a killed OpenClaw left behind (pid record, owner gone, process provably the recorded one). */
  private reapOrphans(): void {
    for (const { file } of listRecords(this.stateDir)) reapOrphan(file);
  }

  /** Rewrites the server's pid record with its live state at the next tick, for status from other processes. */
  private saveRecord(slot: Slot): void {
    this.staleRecords.add(slot);
    if (this.recordFlush) return;
    this.recordFlush = setImmediate(() => {
      this.recordFlush = undefined;
      for (const stale of this.staleRecords) this.writeSlotRecord(stale);
      this.staleRecords.clear();
    });
    this.recordFlush.unref();
  }

  private writeSlotRecord(slot: Slot): void {
    if (!slot.proc || slot.proc.pid <= 0 || slot.state === "stopping" || !slot.proc.running) return;
    const record: PidRecord = {
      pid: slot.proc.pid,
      ownerPid: process.pid,
      command: slot.command,
      args: slot.args,
      port: slot.port,
      model: slot.model,
      startedAt: slot.proc.startedAt,
      processStart: slot.processStart,
      embedding: slot.embedding,
      state: slot.state === "ready" ? "ready" : "loading",
      inflight: slot.leases,
      lastUsedAt: slot.lastUsed,
    };
    try {
      writeRecord(slot.recordFile, record);
    } catch {
      // Unwritable state dir: only the reaping after a killed OpenClaw is lost. The exit hook and
      // stop() still stop the server.
    }
  }

  private installExitHook(): void {
    if (this.exitHook) return;
    this.exitHook = true;
    // A one-shot CLI run ends with process exit: nothing can be awaited there.
    process.once("exit", () => {
      for (const slot of this.slots) {
        if (!slot.proc) continue;
        slot.proc.killNow();
        removeRecord(slot.recordFile, slot.proc.pid);
      }
    });
  }
}

function leastRecentlyUsed(slots: Slot[]): Slot | undefined {
  // Idle servers first; among equals, the one used longest ago.
  return [...slots].sort((a, b) => Number(a.leases > 0) - Number(b.leases > 0) || a.lastUsed - b.lastUsed)[0];
}

function cancelledStart(model: string): errors.InferrsServiceError {
  return new errors.InferrsServiceError(`The start of ${model} was cancelled: OpenClaw is stopping its inferrs servers.`);
}

function foreignLease(config: ResolvedConfig): Lease {
  return { baseUrl: config.baseUrl, release: () => undefined, serverExit: async () => undefined };
}

async function exitWithin(proc: ServerProcess | undefined, waitMs: number): Promise<string | undefined> {
  if (!proc) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    proc.exited,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
  ]);
  clearTimeout(timer);
  return exit && describeExit(exit);
}

function loadFailure(proc: ServerProcess): string {
  const match = proc.output.find(/Model load failed: .*/);
  return match ? match[0] : "Model load failed (see the output below)";
}

function describeExit(exit: { code: number | undefined; signal: string | undefined }): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code ?? "unknown"}`;
}

const SUPERVISOR_KEY = Symbol.for("openclaw-inferrs.supervisor");

/** One supervisor per process, however many times the host registers the plugin. */
export function sharedSupervisor(options: { env: NodeJS.ProcessEnv; stateDir: string }): Supervisor {
  const global = globalThis as { [SUPERVISOR_KEY]?: Supervisor };
  global[SUPERVISOR_KEY] ??= new Supervisor(options);
  return global[SUPERVISOR_KEY];
}
