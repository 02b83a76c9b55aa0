// The pid records of this process's servers: written when a server is spawned, rewritten with its
// live state (batched to the next tick), removed when it stops; and the exit hook that stops the
// servers when a one-shot CLI ends.
import { listRecords, processStartTime, reapOrphan, removeRecord, writeRecord, type PidRecord } from "../../service/pid-record.ts";
import type { Slot } from "./slot.ts";

export class SlotRecords {
  /** Servers whose pid record is rewritten at the next tick. */
  private readonly stale = new Set<Slot>();
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
    slot.processStart = processStartTime(slot.proc.pid);
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
    if (slot.proc) removeRecord(slot.recordFile, slot.proc.pid);
  }

  /** Stops servers a killed OpenClaw left behind (pid record, owner gone, process provably the recorded one). */
  reapOrphans(): void {
    for (const { file } of listRecords(this.stateDir)) reapOrphan(file);
  }

  private write(slot: Slot): void {
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
        this.remove(slot);
      }
    });
  }
}
