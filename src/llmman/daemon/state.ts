// One daemon this process started, as the supervisor tracks it, and what `llmman status` shows of it.
import type { ServerProcess } from "../../service/server-process.ts";
import type { DaemonAddress, DaemonConfig } from "./config.ts";
import type { DaemonPhase } from "./log-lines.ts";

export type Daemon = {
  address: DaemonAddress;
  config: DaemonConfig;
  state: "starting" | "ready" | "stopping";
  phase: DaemonPhase;
  proc: ServerProcess | undefined;
  command: string;
  args: string[];
  recordFile: string;
  leases: number;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** service.idleStopMs of the latest lease's config. */
  idleStopMs: number;
  /** Aborts the readiness wait (stop during a start). */
  abort: AbortController;
  /** Set once a stop began; settles when the process is gone. */
  stopped: Promise<void> | undefined;
};

export type DaemonStatus = {
  baseUrl: string;
  pid: number;
  state: "starting" | "ready";
  phase: DaemonPhase;
  inflight: number;
  idleMs: number | null;
  uptimeMs: number;
  command: string;
  args: string[];
};

/** A daemon about to be spawned (no process yet). */
export function newDaemon(address: DaemonAddress, config: DaemonConfig, command: string, args: string[], recordFile: string): Daemon {
  return {
    address,
    config,
    state: "starting",
    phase: "starting",
    proc: undefined,
    command,
    args,
    recordFile,
    leases: 0,
    lastUsed: Date.now(),
    idleTimer: undefined,
    idleStopMs: config.service.idleStopMs,
    abort: new AbortController(),
    stopped: undefined,
  };
}

/** The running daemons (not stopping) as `llmman status` shows them. */
export function daemonStatuses(daemons: Iterable<Daemon>, now = Date.now()): DaemonStatus[] {
  return [...daemons]
    .filter((d) => d.proc?.running && d.state !== "stopping")
    .map((d) => ({
      baseUrl: d.address.baseUrl,
      pid: d.proc!.pid,
      state: d.state as DaemonStatus["state"],
      phase: d.phase,
      inflight: d.leases,
      idleMs: d.leases === 0 && d.state === "ready" ? now - d.lastUsed : null,
      uptimeMs: now - d.proc!.startedAt,
      command: d.command,
      args: d.args,
    }));
}
