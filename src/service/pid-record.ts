// A record of the server this OpenClaw process started, kept in the OpenClaw state dir, so that a
// later run can stop a server left behind by an OpenClaw that was killed (no orphan survives), and
// tell a server another OpenClaw process runs from one the user runs. One record per kind and port
// (`server-<port>.json`: an inferrs server; `llmman-<port>.json`: an llmman daemon).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { signalGroup } from "./server-process.ts";

export type PidRecord = {
  pid: number;
  /** The OpenClaw process that started it. */
  ownerPid: number;
  command: string;
  /** The argv after the command, exactly as spawned. */
  args: string[];
  /**
   * Environment entries that pin the server to its port when its argv does not (llmman's
   * LLMMAN_HOST); without them, the argv must hold `--port <port>`.
   */
  env?: Record<string, string>;
  port: number;
  /** The model it serves; empty for a daemon that serves many (llmman). */
  model: string;
  /** Date.now() at spawn, for uptime. */
  startedAt: number;
  /** The kernel's start time of `pid` (see processStartTime): pids get reused, start times do not. */
  processStart: string | undefined;
  /** The embedding server (memory search), outside service.maxServers. */
  embedding?: boolean;
  /** Kept current by the owner, for `openclaw inferrs status` run from another process. */
  state?: "loading" | "ready";
  inflight?: number;
  lastUsedAt?: number;
};

/** Who started the server on a port, as far as the pid record tells. */
export type StartedBy = "this-openclaw" | "other-openclaw" | "orphan" | "user";

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENCLAW_STATE_DIR || join(env.HOME || homedir(), ".openclaw");
}

function recordsDir(dir: string): string {
  return join(dir, "plugins", "inferrs");
}

/** What a record is for: `server` (inferrs) or `llmman` (the llmman daemon). */
export type RecordKind = "server" | "llmman";

export function recordPath(dir: string, port: number, kind: RecordKind = "server"): string {
  return join(recordsDir(dir), `${kind}-${port}.json`);
}

/** Every record of one kind in the state dir (one per port), with its file. */
export function listRecords(dir: string, kind: RecordKind = "server"): Array<{ file: string; record: PidRecord }> {
  let names: string[];
  try {
    names = readdirSync(recordsDir(dir));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.startsWith(`${kind}-`) && /^[a-z]+-\d+\.json$/.test(name))
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
    return Number.isInteger(record.pid) && record.pid > 0 && Number.isInteger(record.ownerPid) ? record : undefined;
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
  return procStat(pid)?.[0] === "Z";
}

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, ...]; undefined without /proc. */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/**
 * When the process started, as the kernel says: Linux /proc/<pid>/stat field 22 (clock ticks since
 * boot), else `ps -o lstart=` (macOS). Compared as strings; undefined when it cannot be read.
 */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  if (stat) return stat[19]; // field 22; the list starts at field 3
  try {
    return execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid still runs the very server we recorded: alive, same kernel start time (pid reuse), and a
 * command line that ends with the recorded argv, so `serve` on the recorded port (`--port` in the
 * argv, or the recorded environment entries). A wrapper script that execs something else (as the
 * emulators' shims exec node) keeps the pid, the start time, the arguments and the environment.
 */
export function matchesRecord(record: PidRecord): boolean {
  if (!record.processStart || !Array.isArray(record.args) || !isAlive(record.pid)) return false;
  if (processStartTime(record.pid) !== record.processStart) return false;
  if (record.args[0] !== "serve") return false;
  if (record.env === undefined) {
    const portIndex = record.args.indexOf("--port");
    if (portIndex < 0 || record.args[portIndex + 1] !== String(record.port)) return false;
  } else if (Object.keys(record.env).length === 0 || !hasEnv(record.pid, record.env)) {
    return false;
  }
  return endsWithArgs(record.pid, record.args);
}

function hasEnv(pid: number, entries: Record<string, string>): boolean {
  let environ: string[];
  try {
    environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    try {
      // No /proc (macOS): `ps eww` prints the environment after the command line.
      environ = execFileSync("ps", ["eww", "-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim().split(" ");
    } catch {
      return false;
    }
  }
  return Object.entries(entries).every(([key, value]) => environ.includes(`${key}=${value}`));
}

function endsWithArgs(pid: number, args: string[]): boolean {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    if (argv.at(-1) === "") argv.pop();
    return argv.length > args.length && args.every((arg, i) => argv[argv.length - args.length + i] === arg);
  } catch {
    try {
      // No /proc (macOS): ps prints the command line joined with spaces.
      const line = execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim();
      return line.endsWith(` ${args.join(" ")}`);
    } catch {
      return false;
    }
  }
}

/** The record of a live server on this port, and who started it; undefined when there is none. */
export function recordedServer(file: string): { record: PidRecord; startedBy: StartedBy } | undefined {
  const record = readRecord(file);
  if (!record || !matchesRecord(record)) return undefined;
  const startedBy: StartedBy =
    record.ownerPid === process.pid ? "this-openclaw" : isAlive(record.ownerPid) ? "other-openclaw" : "orphan";
  return { record, startedBy };
}

/** Who started the server on this port: the record's owner, else the user. */
export function startedBy(file: string): { startedBy: StartedBy; ownerPid?: number } {
  const found = recordedServer(file);
  return found ? { startedBy: found.startedBy, ownerPid: found.record.ownerPid } : { startedBy: "user" };
}

/**
 * Stops a server a killed OpenClaw left behind (the record's owner is gone), and only if pid, start
 * time, command line and port all match the record; any other process is never signalled. A record
 * whose owner is gone is dropped either way. Returns whether a process was signalled.
 */
export function reapOrphan(file: string): boolean {
  const record = readRecord(file);
  if (!record || record.ownerPid === process.pid || isAlive(record.ownerPid)) return false;
  const reap = matchesRecord(record);
  if (reap) {
    signalGroup(record.pid, "SIGTERM");
    signalGroup(record.pid, "SIGKILL");
  }
  removeRecord(file, record.pid);
  return reap;
}
