// The llmman daemons of this OpenClaw process, shared by all of the plugin's registrations: one
// `llmman serve` per base URL, started on demand when nothing answers there, stopped when idle,
// at gateway stop or at exit. A daemon someone else runs is used as it is, never stopped.
import { configSecrets } from "../../secrets.ts";
import { commandProblem, lookUpCommand } from "../../service/command.ts";
import { processStartTime, removeRecord } from "../../service/pid-record.ts";
import { NotReadyError } from "../../service/poll.ts";
import { attachRegistration } from "../../service/registrations.ts";
import { describeExit, ServerProcess, STOP_GRACE_MS } from "../../service/server-process.ts";
import { daemonAddress, LLMMAN_CONFIG_PATH, type DaemonAddress, type DaemonConfig } from "./config.ts";
import * as errors from "./errors.ts";
import { foreignLease, untilAborted, type AcquireOptions, type DaemonLease } from "./lease.ts";
import type { DaemonProgress } from "./log-lines.ts";
import { daemonOwner, daemonRecordFile } from "./owner.ts";
import { killAtExit, reapOrphanDaemons, writeDaemonRecord } from "./records.ts";
import { watchStart } from "./start-progress.ts";
import { daemonStatuses, newDaemon, type Daemon, type DaemonStatus } from "./state.ts";
import { probeVersion, waitForVersion, type VersionAnswer } from "./version.ts";

export type { AcquireOptions, DaemonLease } from "./lease.ts";
export type { DaemonStatus } from "./state.ts";

type Logger = { info(message: string): void; warn(message: string): void };

/** How long a daemon someone else runs is trusted to keep answering without a new probe. */
const FOREIGN_RECHECK_MS = 2000;

/** One decision per base URL in progress: concurrent first requests share it (one spawn). */
type Start = { listeners: Set<(progress: DaemonProgress) => void>; result: Promise<Daemon | undefined> };

export class LlmmanDaemons {
  logger: Logger | undefined;
  private readonly daemons = new Map<string, Daemon>();
  private readonly starts = new Map<string, Start>();
  private readonly foreignUntil = new Map<string, number>();
  private spawns = 0;
  private readonly registrations = { users: 0 };
  private exitHook = false;
  private readonly env: NodeJS.ProcessEnv;
  private readonly stateDir: string;

  constructor(options: { env: NodeJS.ProcessEnv; stateDir: string; logger?: Logger }) {
    this.env = options.env;
    this.stateDir = options.stateDir;
    this.logger = options.logger;
  }

  /** Makes sure a daemon answers at config.baseUrl, then holds a lease on it until release(). */
  async acquire(config: DaemonConfig, options: AcquireOptions = {}): Promise<DaemonLease> {
    const address = daemonAddress(config);
    const key = address.baseUrl;
    // Hot paths, no round trip: our own ready daemon, or one someone else runs, seen a moment ago.
    const own = this.daemons.get(key);
    if (own?.state === "ready" && own.proc?.running) return this.lease(own, config);
    if ((this.foreignUntil.get(key) ?? 0) > Date.now()) return foreignLease(address);
    let start = this.starts.get(key);
    if (!start) {
      const begun: Start = { listeners: new Set(), result: Promise.resolve(undefined) };
      begun.result = this.start(address, config, begun).finally(() => this.starts.delete(key));
      this.starts.set(key, (start = begun));
    }
    const { onProgress, signal } = options;
    if (onProgress) start.listeners.add(onProgress);
    try {
      const daemon = await untilAborted(start.result, signal);
      return daemon ? this.lease(daemon, config) : foreignLease(address);
    } finally {
      if (onProgress) start.listeners.delete(onProgress);
    }
  }

  status(): { daemons: DaemonStatus[]; spawns: number } {
    return { daemons: daemonStatuses(this.daemons.values()), spawns: this.spawns };
  }

  /** A registration of the plugin uses the daemons; the last one to leave stops them. */
  attach(): () => Promise<void> {
    return attachRegistration(this.registrations, () => this.stop());
  }

  /** Stops every daemon this process started (gateway stop, last registration disposed). */
  async stop(): Promise<void> {
    await Promise.all([...this.daemons.values()].map((daemon) => this.retire(daemon)));
  }

  /** Stops the daemon at baseUrl (as resolved: no trailing slash) if this process started it; false when it did not. */
  async stopDaemon(baseUrl: string): Promise<boolean> {
    const daemon = this.daemons.get(baseUrl);
    if (!daemon) return false;
    await this.retire(daemon);
    return true;
  }

  /** Decides who serves the base URL: a daemon that answers (used as is), or one we start. */
  private async start(address: DaemonAddress, config: DaemonConfig, start: Start): Promise<Daemon | undefined> {
    // Ours is stopping (idle): it still answers, but takes no lease; a new one starts after it.
    await this.daemons.get(address.baseUrl)?.stopped;
    const answer = await probeVersion(address.origin);
    if (answer.kind === "not-llmman") throw errors.notLlmman(address, answer.status);
    const owner = daemonOwner(this.stateDir, address, answer);
    if (owner.startedBy === "other-openclaw" && answer.kind === "down") {
      // Another OpenClaw process is starting it (downloading llama-server): wait for that one.
      await waitForVersion(address, config.service.readyTimeoutMs).catch(() => {
        throw errors.othersStartTimeout(address, owner.ownerPid, config.service.readyTimeoutMs);
      });
      return this.foreign(address);
    }
    if (answer.kind === "up" && owner.startedBy !== "orphan") return this.foreign(address);
    if (answer.kind === "down" && config.service.autoStart === false) {
      throw errors.notRunning(address, answer.reason, errors.autoStartOff());
    }
    if (!address.loopback) throw errors.notRunning(address, describe(answer), errors.notLoopback(address));
    const lookup = lookUpCommand(config.service.command, this.env);
    if (lookup.path === undefined) {
      const key = `${LLMMAN_CONFIG_PATH}.service.command`;
      const why = commandProblem(config.service.command, lookup.problem, { key, product: "llmman" });
      throw errors.notRunning(address, describe(answer), why);
    }
    await reapOrphanDaemons(this.stateDir);
    return this.spawn(address, config, lookup.path, start);
  }

  private foreign(address: DaemonAddress): undefined {
    this.foreignUntil.set(address.baseUrl, Date.now() + FOREIGN_RECHECK_MS);
    return undefined;
  }

  /** Spawns `llmman serve` with LLMMAN_HOST from baseUrl and waits for /api/version 200, reporting its start. */
  private async spawn(address: DaemonAddress, config: DaemonConfig, command: string, start: Start): Promise<Daemon | undefined> {
    const args = ["serve", ...config.service.args];
    const pin = { LLMMAN_HOST: address.bind };
    const env = { ...this.env, ...config.service.env, ...pin } as Record<string, string>;
    const secrets = configSecrets({ apiKey: config.apiKey, service: config.service, models: {} });
    const daemon = newDaemon(address, config, command, args, daemonRecordFile(this.stateDir, address));
    this.daemons.set(address.baseUrl, daemon);
    const proc = await ServerProcess.spawn(command, args, env, secrets);
    daemon.proc = proc;
    this.spawns++;
    if (proc.pid > 0) {
      // At once: a kill of OpenClaw right after the spawn must leave a record.
      writeDaemonRecord(daemon, pin, processStartTime(proc.pid));
      this.installExitHook();
    }
    void proc.exited.then((exit) => {
      daemon.abort.abort(errors.exitedDuringStart(address, describeExit(exit), proc.output.text()));
      this.onExit(daemon);
    });
    const endProgress = watchStart(address, proc.output, (progress) => {
      daemon.phase = progress.phase;
      this.report(start, progress);
    });
    let answer: Extract<VersionAnswer, { kind: "up" }>;
    try {
      if (daemon.state === "stopping") throw errors.cancelledStart(address);
      answer = await waitForVersion(address, config.service.readyTimeoutMs, daemon.abort.signal);
    } catch (error) {
      endProgress();
      const phase = daemon.phase;
      await this.retire(daemon);
      if (error instanceof NotReadyError) throw errors.readyTimeout(address, config.service.readyTimeoutMs, phase, proc.output.text());
      throw daemon.abort.signal.aborted && !(error instanceof errors.LlmmanDaemonError) ? daemon.abort.signal.reason : error;
    }
    if (answer.pid !== undefined && answer.pid !== proc.pid) {
      // Someone else bound the port while ours was starting: theirs is used, ours goes.
      endProgress();
      this.logger?.warn(`llmman: ${errors.raced(address, answer.pid)}`);
      await this.retire(daemon);
      return this.foreign(address);
    }
    daemon.state = "ready";
    daemon.phase = "ready";
    endProgress("ready");
    writeDaemonRecord(daemon, pin, processStartTime(proc.pid));
    this.onIdle(daemon); // no lease may follow (every waiter aborted)
    return daemon;
  }

  private report(start: Start, progress: DaemonProgress): void {
    this.logger?.info(progress.message);
    for (const listener of start.listeners) {
      try {
        listener(progress);
      } catch {
        // a listener's failure must not stop the start
      }
    }
  }

  /** `config` is the request's: an idle bound edited in a running gateway applies to a daemon already running. */
  private lease(daemon: Daemon, config: DaemonConfig): DaemonLease {
    daemon.idleStopMs = config.service.idleStopMs;
    daemon.leases++;
    daemon.lastUsed = Date.now();
    clearTimeout(daemon.idleTimer);
    const unsubscribes = new Set<() => void>();
    let released = false;
    return {
      baseUrl: daemon.address.baseUrl,
      ownedByUs: true,
      onLog: (listener) => {
        const off = daemon.proc!.output.onLine(listener);
        unsubscribes.add(off);
        return off;
      },
      release: () => {
        if (released) return;
        released = true;
        for (const off of unsubscribes) off();
        daemon.leases--;
        daemon.lastUsed = Date.now();
        if (daemon.leases === 0) this.onIdle(daemon);
      },
    };
  }

  /** No lease left: the idle timer starts (idleStopMs 0 = until OpenClaw exits). */
  private onIdle(daemon: Daemon): void {
    const { idleStopMs } = daemon;
    if (idleStopMs <= 0 || daemon.state !== "ready" || daemon.leases > 0) return;
    clearTimeout(daemon.idleTimer);
    daemon.idleTimer = setTimeout(() => {
      if (daemon.leases === 0) void this.retire(daemon);
    }, idleStopMs);
    daemon.idleTimer.unref();
  }

  /** Our daemon exited on its own (a crash during a start fails that start instead). */
  private onExit(daemon: Daemon): void {
    clearTimeout(daemon.idleTimer);
    if (this.daemons.get(daemon.address.baseUrl) === daemon && daemon.state === "ready") {
      this.daemons.delete(daemon.address.baseUrl);
      removeRecord(daemon.recordFile, daemon.proc!.pid);
    }
  }

  /** SIGTERM to the daemon's group (its llama-servers too), SIGKILL after the grace; forgets it. */
  private retire(daemon: Daemon): Promise<void> {
    daemon.stopped ??= (async () => {
      daemon.state = "stopping";
      clearTimeout(daemon.idleTimer);
      daemon.abort.abort(errors.cancelledStart(daemon.address));
      if (daemon.proc) {
        await daemon.proc.stop(STOP_GRACE_MS);
        removeRecord(daemon.recordFile, daemon.proc.pid);
      }
      if (this.daemons.get(daemon.address.baseUrl) === daemon) this.daemons.delete(daemon.address.baseUrl);
    })();
    return daemon.stopped;
  }

  private installExitHook(): void {
    if (this.exitHook) return;
    this.exitHook = true;
    killAtExit(() => this.daemons.values());
  }
}

function describe(answer: VersionAnswer): string {
  return answer.kind === "down" ? answer.reason : "answering";
}

const DAEMONS_KEY = Symbol.for("openclaw-inferrs.llmman-daemons");

/** One set of llmman daemons per process, however many times the host registers the plugin. */
export function sharedLlmmanDaemons(options: { env: NodeJS.ProcessEnv; stateDir: string; logger?: Logger }): LlmmanDaemons {
  const global = globalThis as { [DAEMONS_KEY]?: LlmmanDaemons };
  global[DAEMONS_KEY] ??= new LlmmanDaemons(options);
  global[DAEMONS_KEY].logger ??= options.logger;
  return global[DAEMONS_KEY];
}
