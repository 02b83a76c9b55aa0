// The servers OpenClaw started, seen from any OpenClaw process through their pid records: for
// `openclaw inferrs status|stop` and `openclaw llmman status|stop` beside (or without) a running gateway.
import {
  isAlive,
  listRecords,
  matchesRecord,
  recordedServer,
  removeRecord,
  type PidRecord,
  type RecordKind,
  type StartedBy,
} from "./pid-record.ts";
import { signalGroup, STOP_GRACE_MS } from "./server-process.ts";

export type OwnedServer = {
  file: string;
  record: PidRecord;
  startedBy: Exclude<StartedBy, "user">;
};

/** Records whose process still runs the server they describe; stale records are skipped. */
export function ownedServers(stateDir: string, kind?: RecordKind): OwnedServer[] {
  return listRecords(stateDir, kind).flatMap(({ file }) => {
    const found = recordedServer(file);
    return found ? [{ file, record: found.record, startedBy: found.startedBy as OwnedServer["startedBy"] }] : [];
  });
}

/**
 * Stops the servers OpenClaw started (all, or those `select` picks): SIGTERM to the process group,
 * SIGKILL after the grace period, each only while it is provably the recorded process. Returns
 * what was stopped.
 */
export async function stopOwnedServers(
  stateDir: string,
  select: (record: PidRecord) => boolean = () => true,
  kind?: RecordKind,
): Promise<PidRecord[]> {
  const targets = ownedServers(stateDir, kind).filter(({ record }) => select(record));
  await Promise.all(targets.map(stopRecordedServer));
  return targets.map(({ record }) => record);
}

/**
 * Stops a server another OpenClaw process (or this one) started, from its record: SIGTERM to the
 * process group, SIGKILL after the grace period, and only while the process is provably the recorded one.
 */
export async function stopRecordedServer({ file, record }: { file: string; record: PidRecord }): Promise<void> {
  signalGroup(record.pid, "SIGTERM");
  // Not our child: no exit event to wait for, so look every 50 ms.
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(record.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (matchesRecord(record)) signalGroup(record.pid, "SIGKILL");
  // The leader is gone; members of its group (llama-server under llmman) may not be.
  try {
    process.kill(-record.pid, "SIGKILL");
  } catch {
    // no process left in the group
  }
  removeRecord(file, record.pid);
}
