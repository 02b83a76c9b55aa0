// The servers OpenClaw started, seen from any OpenClaw process through their pid records: for
// `openclaw inferrs status` and `openclaw inferrs stop` beside (or without) a running gateway.
import { isAlive, listRecords, matchesRecord, recordedServer, removeRecord, type PidRecord, type StartedBy } from "./pid-record.ts";
import { signalGroup, STOP_GRACE_MS } from "./server-process.ts";

export type OwnedServer = {
  file: string;
  record: PidRecord;
  startedBy: Exclude<StartedBy, "user">;
};

/** Records whose process still runs the server they describe; stale records are skipped. */
export function ownedServers(stateDir: string, plugin?: string): OwnedServer[] {
  return listRecords(stateDir, plugin).flatMap(({ file }) => {
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
  plugin?: string,
): Promise<PidRecord[]> {
  const targets = ownedServers(stateDir, plugin).filter(({ record }) => select(record));
  await Promise.all(
    targets.map(async ({ file, record }) => {
      signalGroup(record.pid, "SIGTERM");
      // Not our child: no exit event to wait for, so look every 50 ms.
      const deadline = Date.now() + STOP_GRACE_MS;
      while (isAlive(record.pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      if (matchesRecord(record)) signalGroup(record.pid, "SIGKILL");
      removeRecord(file, record.pid);
    }),
  );
  return targets.map(({ record }) => record);
}
