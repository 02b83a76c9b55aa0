// The pid records of the daemons this process starts: written at once after the spawn (a killed
// OpenClaw must leave one) and again when ready, removed when they stop; orphans a killed OpenClaw
// left behind are reaped before a start; a one-shot CLI's exit kills what it started.
import { isAlive, listRecords, reapOrphan, removeRecord, writeRecord } from "../../service/pid-record.ts";
import { STOP_GRACE_MS } from "../../service/server-process.ts";
import type { Daemon } from "./state.ts";

export function writeDaemonRecord(daemon: Daemon, env: Record<string, string>, processStart: string | undefined): void {
  const proc = daemon.proc!;
  if (daemon.state === "stopping" || !proc.running) return;
  try {
    writeRecord(daemon.recordFile, {
      pid: proc.pid,
      ownerPid: process.pid,
      command: daemon.command,
      args: daemon.args,
      env,
      port: daemon.address.port,
      model: "",
      startedAt: proc.startedAt,
      processStart,
      state: daemon.state === "ready" ? "ready" : "loading",
    });
  } catch {
    // Unwritable state dir: only the reaping after a killed OpenClaw is lost.
  }
}

/** Stops daemons a killed OpenClaw left behind (record, owner gone, process provably the recorded one). */
export async function reapOrphanDaemons(stateDir: string): Promise<void> {
  const reaped = listRecords(stateDir, "llmman").filter(({ file }) => reapOrphan(file));
  // The port is free once the reaped process is gone: wait for that (SIGKILL was sent).
  const deadline = Date.now() + STOP_GRACE_MS;
  while (reaped.some(({ record }) => isAlive(record.pid)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** At process exit (a one-shot CLI run: nothing can be awaited there), kills every daemon still tracked. */
export function killAtExit(daemons: () => Iterable<Daemon>): void {
  process.once("exit", () => {
    for (const daemon of daemons()) {
      if (!daemon.proc) continue;
      daemon.proc.killNow();
      removeRecord(daemon.recordFile, daemon.proc.pid);
    }
  });
}
