// The pool's bookkeeping types: one Slot per server from the moment its start is decided until it
// has stopped, and the requests that wait for a model's server, grouped by model.
import type { ModelSettings } from "../../config/model-settings.ts";
import type { ResolvedConfig } from "../../config/resolve.ts";
import type { ServerProcess } from "../../service/server-process.ts";
import type { LoadProgress } from "../server/load-progress.ts";

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

/** One server of the pool, from the moment its start is decided until it has stopped. */
export type Slot = {
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
  recordFile: string;
  leases: number;
  /** Chosen to make room: takes no new lease and stops once its leases are released. */
  draining: boolean;
  lastUsed: number;
  idleTimer: NodeJS.Timeout | undefined;
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

export type Waiter = {
  config: ResolvedConfig;
  onProgress: AcquireOptions["onProgress"];
  resolve(lease: Lease): void;
  reject(error: unknown): void;
};

/** Requests for one model that wait for its server; groups are served in arrival order. */
export type Group = { model: string; embedding: boolean; waiters: Waiter[] };

export function leastRecentlyUsed(slots: Slot[]): Slot | undefined {
  // Idle servers first; among equals, the one used longest ago.
  return [...slots].sort((a, b) => Number(a.leases > 0) - Number(b.leases > 0) || a.lastUsed - b.lastUsed)[0];
}

/** A lease on a server the user runs: nothing to release. */
export function foreignLease(config: ResolvedConfig): Lease {
  return { baseUrl: config.baseUrl, release: () => undefined, serverExit: async () => undefined };
}

export function serverStatus(slot: Slot, now: number): ServerStatus {
  return {
    model: slot.model,
    port: slot.port,
    pid: slot.proc!.pid,
    state: slot.state === "ready" ? "ready" : "loading",
    embedding: slot.embedding,
    inflight: slot.leases,
    idleMs: slot.leases === 0 ? now - slot.lastUsed : null,
    uptimeMs: now - slot.proc!.startedAt,
    command: slot.command,
    args: slot.args,
  };
}
