// The one inferrs supervisor of this OpenClaw process, shared by all of the plugin's
// registrations. It makes the served model follow the selected one: starts inferrs on demand,
// restarts it for another model once in-flight requests are done, stops it when idle or when
// OpenClaw stops, and never adopts or stops a server it did not start.
import type { ResolvedConfig } from "../config/resolve.ts";
import { resolveCommand } from "./command.ts";
import { resolveDevice } from "./device.ts";
import * as errors from "./errors.ts";
import { isAlive, matchesRecord, readRecord, recordPath, removeRecord, writeRecord } from "./pid-record.ts";
import { probeServer, sameModel } from "./probe.ts";
import { NotReadyError, waitForHealth } from "./readiness.ts";
import { ServerProcess, signalGroup, STOP_GRACE_MS } from "./server-process.ts";

export type Lease = { release(): void };

const CRASH_WAIT_MS = 500;
/** How long a server the user runs is trusted to keep serving the model it was seen serving. */
const FOREIGN_RECHECK_MS = 2000;
/** Environment entries whose values are masked in the output quoted in errors. */
const SECRET_ENV_NAME = /token|key|secret|password|auth/i;

export type Owned = {
  proc: ServerProcess;
  model: string;
  command: string;
  args: string[];
  config: ResolvedConfig;
  recordFile: string;
};

export type SupervisorStatus = {
  owned: { pid: number; model: string; command: string; args: string[]; uptimeMs: number } | undefined;
  leases: number;
  spawns: number;
};

export class Supervisor {
  private owned: Owned | undefined;
  private foreignSeen: { origin: string; model: string; until: number } | undefined;
  private leases = 0;
  private spawns = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private drainWaiters: Array<() => void> = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private users = 0;
  private exitHook = false;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;

  constructor(options: { env: NodeJS.ProcessEnv; stateDir: string }) {
    this.env = options.env;
    this.stateDir = options.stateDir;
  }

  /**
   * Makes sure inferrs at config.baseUrl serves `model`, then holds a lease on it until
   * release(): the server is not stopped or switched while a lease is held.
   */
  acquire(model: string, config: ResolvedConfig): Promise<Lease> {
    return this.exclusive(async () => {
      clearTimeout(this.idleTimer);
      await this.ensureServing(model, config);
      this.leases++;
      clearTimeout(this.idleTimer); // a lease released while ensureServing ran may have armed it
      let released = false;
      return {
        release: () => {
          if (released) return;
          released = true;
          this.leases--;
          if (this.leases === 0) this.onIdle();
        },
      };
    });
  }

  status(): SupervisorStatus {
    const owned = this.owned?.proc.running ? this.owned : undefined;
    return {
      owned: owned && {
        pid: owned.proc.pid,
        model: owned.model,
        command: owned.command,
        args: owned.args,
        uptimeMs: Date.now() - owned.proc.startedAt,
      },
      leases: this.leases,
      spawns: this.spawns,
    };
  }

  /**
   * How the server we started ended, if it died on its own. A connection cut by a dying server can
   * be seen before its exit, so this waits a moment for the exit event.
   */
  async crashOfServedProcess(waitMs = CRASH_WAIT_MS): Promise<string | undefined> {
    const proc = this.owned?.proc;
    if (!proc) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([
      proc.exited,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), waitMs))),
    ]);
    clearTimeout(timer);
    return exit && describeExit(exit);
  }

  /** A registration of the plugin uses the supervisor; the last one to leave stops the server. */
  attach(): () => Promise<void> {
    this.users++;
    let detached = false;
    return async () => {
      if (detached) return;
      detached = true;
      if (--this.users === 0) await this.stop();
    };
  }

  /** Stops the server we started, now (gateway stop, last registration disposed). */
  stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    return this.stopOwned();
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async ensureServing(model: string, config: ResolvedConfig): Promise<void> {
    let owned = this.owned;
    // Hot paths, no round trip before the request: our own server, alive, serving this model; or
    // a server the user runs, seen serving this model a moment ago.
    if (owned?.proc.running && owned.config.origin === config.origin && sameModel(owned.model, model)) return;
    const seen = this.foreignSeen;
    if (!owned && seen && seen.origin === config.origin && seen.model === model && Date.now() < seen.until) return;
    this.foreignSeen = undefined;
    if (owned && (!owned.proc.running || owned.config.origin !== config.origin)) {
      // Crashed since the last request, or the config moved to another address.
      await this.drain();
      await this.stopOwned();
      owned = undefined;
    }
    if (!owned) this.reapOrphan(config);

    let state = await probeServer(config);
    if (state.kind === "loading") {
      if (owned && !sameModel(owned.model, model)) return this.switchTo(model, config);
      state = await this.waitUntilLoaded(config, owned);
    }
    switch (state.kind) {
      case "ready":
        if (owned) {
          if (!sameModel(owned.model, model)) await this.switchTo(model, config);
          return;
        }
        if (state.served !== undefined && !sameModel(state.served, model)) {
          throw errors.foreignModel(config, state.served, model);
        }
        this.foreignSeen = { origin: config.origin, model, until: Date.now() + FOREIGN_RECHECK_MS };
        return; // the user's server, used as it is
      case "failed":
        if (!owned) throw errors.foreignFailed(config);
        if (!sameModel(owned.model, model)) return this.switchTo(model, config);
        await this.stopOwned();
        throw errors.loadFailed(model, loadFailure(owned.proc), owned.proc.output.text());
      case "foreign-http":
        throw errors.notInferrs(config, state.status);
      case "down":
        if (owned) {
          await this.drain();
          await this.stopOwned();
        }
        return this.start(model, config, state.reason);
    }
  }

  private async waitUntilLoaded(config: ResolvedConfig, owned: Owned | undefined) {
    try {
      await waitForHealth(config.origin, config.service.readyTimeoutMs);
    } catch (error) {
      if (!(error instanceof NotReadyError)) throw error;
      if (!owned) throw errors.foreignNotReady(config);
      await this.stopOwned();
      throw errors.readyTimeout(config, owned.model, owned.proc.output.text());
    }
    return probeServer(config);
  }

  private async switchTo(model: string, config: ResolvedConfig): Promise<void> {
    await this.drain();
    await this.stopOwned();
    await this.start(model, config, "switching models");
  }

  private async start(model: string, config: ResolvedConfig, downReason: string): Promise<void> {
    const command = resolveCommand(config.service.command, this.env);
    const why = errors.whyNoAutoStart(config, command);
    if (why || !command) throw errors.notRunning(config, model, downReason, why ?? "");

    const args = [
      "serve",
      model,
      "--host",
      config.host,
      "--port",
      String(config.port),
      "--device",
      resolveDevice(config.service.device),
      ...config.service.args,
    ];
    const secrets = [
      config.apiKey ?? "",
      ...Object.entries(config.service.env)
        .filter(([name]) => SECRET_ENV_NAME.test(name))
        .map(([, value]) => value),
    ];
    const proc = await ServerProcess.spawn(command, args, { ...this.env, ...config.service.env } as Record<string, string>, secrets);
    this.spawns++;
    const recordFile = recordPath(this.stateDir, config.port);
    const owned: Owned = { proc, model, command, args, config, recordFile };
    if (proc.pid > 0) {
      try {
        writeRecord(recordFile, {
          pid: proc.pid,
          ownerPid: process.pid,
          command,
          port: config.port,
          model,
          startedAt: proc.startedAt,
        });
      } catch {
        // Unwritable state dir: only the reaping after a killed OpenClaw is lost. Throwing here
        // would leave the server running, unowned, and later taken for the user's own server.
      }
      this.installExitHook();
    }
    this.owned = owned;

    const abort = new AbortController();
    void proc.exited.then((exit) => {
      abort.abort(errors.exitedDuringStart(config, model, describeExit(exit), proc.output.text()));
    });
    try {
      const health = await waitForHealth(config.origin, config.service.readyTimeoutMs, abort.signal);
      if (health === "failed") {
        await this.stopOwned();
        throw errors.loadFailed(model, loadFailure(proc), proc.output.text());
      }
    } catch (error) {
      if (error instanceof NotReadyError) {
        await this.stopOwned();
        throw errors.readyTimeout(config, model, proc.output.text());
      }
      if (this.owned === owned) await this.stopOwned();
      throw error;
    } finally {
      abort.abort();
    }
  }

  /** Stops a server a killed OpenClaw left behind on this port (pid record, owner gone). */
  private reapOrphan(config: ResolvedConfig): void {
    const file = recordPath(this.stateDir, config.port);
    const record = readRecord(file);
    if (!record || record.ownerPid === process.pid || isAlive(record.ownerPid)) return;
    if (matchesRecord(record)) {
      signalGroup(record.pid, "SIGTERM");
      signalGroup(record.pid, "SIGKILL");
    }
    removeRecord(file, record.pid);
  }

  private async stopOwned(): Promise<void> {
    const owned = this.owned;
    this.owned = undefined;
    if (!owned) return;
    await owned.proc.stop(STOP_GRACE_MS);
    removeRecord(owned.recordFile, owned.proc.pid);
  }

  private drain(): Promise<void> {
    if (this.leases === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private onIdle(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
    const idleStopMs = this.owned?.config.service.idleStopMs ?? 0;
    clearTimeout(this.idleTimer);
    if (!this.owned || idleStopMs <= 0) return;
    const timer = setTimeout(() => {
      void this.exclusive(async () => {
        // Still idle, and no lease was taken and released since this timer was armed.
        if (this.leases === 0 && this.idleTimer === timer) await this.stopOwned();
      });
    }, idleStopMs);
    timer.unref();
    this.idleTimer = timer;
  }

  private installExitHook(): void {
    if (this.exitHook) return;
    this.exitHook = true;
    // A one-shot CLI run ends with process exit: nothing can be awaited there.
    process.once("exit", () => {
      const owned = this.owned;
      if (!owned) return;
      owned.proc.killNow();
      removeRecord(owned.recordFile, owned.proc.pid);
    });
  }
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
