// The pid records of this process's servers: written whole right after the spawn (before readiness,
// before any lease), then only their live fields rewritten (batched to the next tick), removed when
// the server stops; and the exit hook that stops the servers when a one-shot CLI ends.
import { isAlive, listRecords, processStartTime, reapOrphan, removeRecord, writeRecord, type PidRecord } from "../../service/pid-record.ts";
import type { Slot } from "./slot.ts";

/** How long a start waits for the orphans it killed to be gone (SIGKILL: normally at once). */
const REAP_WAIT_MS = 3000;
/** This process's kernel start time, in its servers' records (read at the first spawn). */
let ownerStart: string | undefined;

export class SlotRecords {
  /** Servers whose pid record is rewritten at the next tick. */
  private readonly stale = new Set<Slot>();
  /** What was spawned, as written at the spawn: never rewritten. */
  private readonly spawnedAs = new Map<Slot, PidRecord>();
  private flush: NodeJS.Immediate | undefined;
  private exitHook = false;

  private readonly stateDir: string;
  private readonly slots: Set<Slot>;

  constructor(stateDir: string, slots: Set<Slot>) {
    this.stateDir = stateDir;
    this.slots = slots;
  }

  /** At once, right after the spawn: a kill of OpenClaw at any later moment leaves a record. */
  spawned(slot: Slot): void {
    if (!slot.proc || slot.proc.pid <= 0) return;
    ownerStart ??= processStartTime(process.pid);
    this.spawnedAs.set(slot, {
      pid: slot.proc.pid,
      ownerPid: process.pid,
      ownerStart,
      command: slot.command,
      args: slot.args,
      port: slot.port,
      model: slot.model,
      startedAt: slot.proc.startedAt,
      processStart: processStartTime(slot.proc.pid),
      embedding: slot.embedding,
    });
    this.write(slot);
    this.installExitHook();
  }

  /** Rewrites the server's pid record with its live state at the next tick, for status from other processes. */
  save(slot: Slot): void {
    this.stale.add(slot);
    if (this.flush) return;
    this.flush = setImmediate(() => {
      this.flush = undefined;
      for (const stale of this.stale) this.write(stale);
      this.stale.clear();
    });
    this.flush.unref();
  }

  remove(slot: Slot): void {
    this.spawnedAs.delete(slot);
    if (slot.proc) removeRecord(slot.recordFile, slot.proc.pid);
  }

  /**
   * Stops servers a killed OpenClaw left behind (pid record, owner gone, process provably the
   * recorded one), and waits until they are gone, so that their port is free.
   */
  async reapOrphans(): Promise<void> {
    const reaped = listRecords(this.stateDir).flatMap(({ file, record }) => (reapOrphan(file) ? [record.pid] : []));
    const deadline = Date.now() + REAP_WAIT_MS;
    // Not our children: no exit event to wait for, so look every 20 ms.
    while (reaped.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  private write(slot: Slot): void {
    const spawned = this.spawnedAs.get(slot);
    if (!spawned || slot.state === "stopping" || !slot.proc?.running) return;
    const live = { state: slot.state === "ready" ? "ready" : "loading", inflight: slot.leases, lastUsedAt: slot.lastUsed } as const;
    const record: PidRecord = { ...spawned, ...live };
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
        this.remove(slot);
      }
    });
  }
}
