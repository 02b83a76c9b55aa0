// Who runs the llmman daemon at a base URL: this OpenClaw process, another one (a gateway), one that
// is gone (an orphan), or the user. Only a pid record whose process is provably the recorded one
// (pid, start time, argv, LLMMAN_HOST) and that is the pid and executable /api/version reports
// makes a daemon OpenClaw's; anything else answering there is the user's.
import { realpathSync } from "node:fs";
import { recordedServer, recordPath, type PidRecord, type StartedBy } from "../../service/pid-record.ts";
import type { DaemonAddress } from "./config.ts";
import type { VersionAnswer } from "./version.ts";

export type DaemonOwner = { startedBy: StartedBy; ownerPid?: number; record?: PidRecord; file: string };

export function daemonRecordFile(stateDir: string, address: DaemonAddress): string {
  return recordPath(stateDir, address.port, "llmman");
}

/** Who started the daemon that gave `answer` (or, while it is not bound yet, the recorded one). */
export function daemonOwner(stateDir: string, address: DaemonAddress, answer: VersionAnswer): DaemonOwner {
  const file = daemonRecordFile(stateDir, address);
  const found = recordedServer(file);
  if (!found || (answer.kind === "up" && !answersAs(found.record, answer))) return { startedBy: "user", file };
  return { startedBy: found.startedBy, ownerPid: found.record.ownerPid, record: found.record, file };
}

function answersAs(record: PidRecord, answer: Extract<VersionAnswer, { kind: "up" }>): boolean {
  if (answer.pid !== record.pid) return false;
  // 485d055 reports null when it cannot canonicalize its own path.
  if (answer.exe === undefined) return true;
  try {
    return realpathSync(record.command) === answer.exe;
  } catch {
    return false;
  }
}
