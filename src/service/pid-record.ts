// A record of the server this OpenClaw process started, kept in the OpenClaw state dir, so that a
// later run can stop a server left behind by an OpenClaw that was killed (no orphan survives).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export type PidRecord = {
  pid: number;
  /** The OpenClaw process that started it. */
  ownerPid: number;
  command: string;
  port: number;
  model: string;
  startedAt: number;
  /** The embedding server (memory search), outside service.maxServers. */
  embedding?: boolean;
  /** Kept current by the owner, for `openclaw inferrs status` run from another process. */
  state?: "loading" | "ready";
  inflight?: number;
  lastUsedAt?: number;
};

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENCLAW_STATE_DIR || join(env.HOME || homedir(), ".openclaw");
}

function recordsDir(dir: string): string {
  return join(dir, "plugins", "inferrs");
}

export function recordPath(dir: string, port: number): string {
  return join(recordsDir(dir), `server-${port}.json`);
}

/** Every record in the state dir (one per port), with its file. */
export function listRecords(dir: string): Array<{ file: string; record: PidRecord }> {
  let names: string[];
  try {
    names = readdirSync(recordsDir(dir));
  } catch {
    return [];
  }
  return names
    .filter((name) => /^server-\d+\.json$/.test(name))
    .map((name) => join(recordsDir(dir), name))
    .flatMap((file) => {
      const record = readRecord(file);
      return record ? [{ file, record }] : [];
    });
}

export function writeRecord(path: string, record: PidRecord): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, JSON.stringify(record, null, 2));
}

export function readRecord(path: string): PidRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, "utf8")) as PidRecord;
    return Number.isInteger(record.pid) && Number.isInteger(record.ownerPid) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the record only if it still describes `pid` (another run may have replaced it). */
export function removeRecord(path: string, pid: number): void {
  if (readRecord(path)?.pid === pid) rmSync(path, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return !isZombie(pid);
}

/** A dead process nobody reaped yet (containers whose init does not reap) still answers kill 0. */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

/**
 * The pid still runs the server we recorded (pids get reused): `serve` on the same port, and the same
 * command or the same model. A command that is a wrapper script exec'ing something else (as the
 * emulator's shim execs node) no longer shows its own path in argv, but still the model we passed.
 */
export function matchesRecord(record: PidRecord): boolean {
  if (!isAlive(record.pid)) return false;
  const argv = commandLine(record.pid);
  if (!argv) return false;
  const portIndex = argv.indexOf("--port");
  return (
    argv.includes("serve") &&
    portIndex >= 0 &&
    argv[portIndex + 1] === String(record.port) &&
    (argv.includes(record.command) ||
      argv.some((arg) => arg.endsWith(`/${record.command.split("/").pop()}`)) ||
      argv.includes(record.model))
  );
}

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    try {
      // No /proc (macOS): ps prints the command line; split on spaces is enough for our checks.
      return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim().split(/\s+/);
    } catch {
      return undefined;
    }
  }
}
