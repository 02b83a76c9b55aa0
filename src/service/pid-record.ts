// A record of a server this OpenClaw process started, kept in the OpenClaw state dir, so that a
// later run can stop a server left behind by an OpenClaw that was killed (no orphan survives), and
// tell a server another OpenClaw process runs from one the user runs. One record per port, in
// `plugins/<kind>/` (`inferrs`: an inferrs server; `llmman`: an llmman daemon).
// Records are hostile input: only small regular files are read, never blocking, and a process is
// signalled only when it is provably the one recorded (see matchesRecord).
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join } from "node:path";
import { readSmallFile } from "./small-file.ts";
import { signalGroup } from "./server-process.ts";

export type PidRecord = {
  pid: number;
  /** The OpenClaw process that started it. */
  ownerPid: number;
  /** The owner's kernel start time: a dead owner's pid reused by another process is not the owner. */
  ownerStart?: string;
  /** The absolute path of the spawned executable, as the plugin resolved it. */
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

/** Larger files are not records (one is a few hundred bytes). */
export const MAX_RECORD_BYTES = 64 * 1024;

/** Where record problems are said (once per file); the CLI's stderr unless a host logger is set. */
export const recordWarnings = {
  warn: (message: string): void => void process.stderr.write(`${message}\n`),
};
const warned = new Set<string>();

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OPENCLAW_STATE_DIR || join(env.HOME || homedir(), ".openclaw");
}

/** The records of one plugin's servers: `<state dir>/plugins/<plugin>/`. */
function recordsDir(dir: string, plugin: string): string {
  return join(dir, "plugins", plugin);
}

/** Whose records: `inferrs` servers or `llmman` daemons (`<state dir>/plugins/<kind>/`). */
export type RecordKind = "inferrs" | "llmman";

export function recordPath(dir: string, port: number, plugin: RecordKind = "inferrs"): string {
  return join(recordsDir(dir, plugin), `server-${port}.json`);
}

/** Every record in the state dir (one per port), with its file. */
export function listRecords(dir: string, plugin: RecordKind = "inferrs"): Array<{ file: string; record: PidRecord }> {
  let names: string[];
  try {
    names = readdirSync(recordsDir(dir, plugin));
  } catch {
    return [];
  }
  return names
    .filter((name) => /^server-\d+\.json$/.test(name))
    .map((name) => join(recordsDir(dir, plugin), name))
    .flatMap((file) => {
      const record = readRecord(file);
      return record ? [{ file, record }] : [];
    });
}

/** Written whole or not at all (a reader never sees half a record), replacing whatever the path was. */
export function writeRecord(path: string, record: PidRecord): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  writeFileSync(temp, JSON.stringify(record, null, 2), { flag: "wx", mode: 0o600 });
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The record in the file; undefined (said once) when it is not a small regular file holding one. */
export function readRecord(path: string): PidRecord | undefined {
  const read = readSmallFile(path, MAX_RECORD_BYTES);
  if (read.text === undefined) {
    if (read.problem !== "missing" && !warned.has(path)) {
      warned.add(path);
      recordWarnings.warn(`Ignoring the pid record ${path}: ${read.problem}`);
    }
    return undefined;
  }
  try {
    const record = JSON.parse(read.text) as PidRecord;
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
  const read = readSmallFile(`/proc/${pid}/stat`, 4096, { proc: true });
  if (read.text === undefined) return undefined;
  return read.text.slice(read.text.lastIndexOf(")") + 2).split(" ");
}

/**
 * When the process started, as the kernel says: Linux /proc/<pid>/stat field 22 (clock ticks since
 * boot), else `ps -o lstart=` (macOS). Compared as strings; undefined when it cannot be read.
 */
export function processStartTime(pid: number): string | undefined {
  const stat = procStat(pid);
  if (stat) return stat[19]; // field 22; the list starts at field 3
  if (process.platform === "linux") return undefined;
  try {
    return execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The record's owner still runs (the same process: pid and, when recorded, start time). */
export function ownerAlive(record: PidRecord): boolean {
  if (!isAlive(record.ownerPid)) return false;
  return record.ownerStart === undefined || processStartTime(record.ownerPid) === record.ownerStart;
}

/**
 * The pid still runs the very server we recorded: alive, the same kernel start time (pid reuse), a
 * command line that ends with the recorded argv, and the recorded executable (see runsCommand).
 */
export function matchesRecord(record: PidRecord): boolean {
  if (!record.processStart || !Array.isArray(record.args) || record.args.length === 0 || typeof record.command !== "string") return false;
  if (!isAlive(record.pid) || processStartTime(record.pid) !== record.processStart) return false;
  // A daemon whose argv names no port (llmman serve) is pinned by its recorded environment (LLMMAN_HOST).
  if (record.env !== undefined && (Object.keys(record.env).length === 0 || !hasEnv(record.pid, record.env))) return false;
  // A process may exec between our reads of its exe and its argv: read until two agree.
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = executableOf(record.pid);
    const argv = argvOf(record.pid);
    if (before === undefined || argv === undefined) return false;
    if (executableOf(record.pid) !== before) continue;
    return endsWith(argv, record.args) && runsCommand(before, argv.slice(0, argv.length - record.args.length), record.command);
  }
  return false;
}

/**
 * The process runs `command`: its executable is that file (a binary such as inferrs), or `command`
 * is a `#!` script and the process is an interpreter running it: argv[0] names the executable and
 * argv[1] is the script. That is how the kernel starts a script, and how the emulator's shim
 * re-execs node on itself. The kernel's exe link cannot be forged; a process whose argv merely
 * ends like the record's (or names the command as argv[0]) runs another executable and never matches.
 */
function runsCommand(executable: string, head: string[], command: string): boolean {
  const target = realPath(command);
  if (target === undefined) return false;
  if (executable === target) return true;
  if (head.length !== 2 || !isScript(target)) return false;
  const [interpreter, script] = head as [string, string];
  const interpreterOk = isAbsolute(interpreter) ? realPath(interpreter) === executable : interpreter === basename(executable);
  return interpreterOk && isAbsolute(script) && realPath(script) === target;
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

function isScript(path: string): boolean {
  const read = readSmallFile(path, 2, { head: true });
  return read.text === "#!";
}

function realPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** The real path of the process's executable (/proc/<pid>/exe; `ps -o comm=` without /proc). */
function executableOf(pid: number): string | undefined {
  try {
    // A binary replaced on disk since (an upgrade) reads "<path> (deleted)": it still ran that path.
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, "");
  } catch {
    if (process.platform === "linux") return undefined;
    try {
      return realPath(execFileSync("ps", ["-o", "comm=", "-p", String(pid)], { encoding: "utf8" }).trim());
    } catch {
      return undefined;
    }
  }
}

function argvOf(pid: number): string[] | undefined {
  const read = readSmallFile(`/proc/${pid}/cmdline`, 256 * 1024, { proc: true });
  if (read.text !== undefined) {
    const argv = read.text.split("\0");
    if (argv.at(-1) === "") argv.pop();
    return argv;
  }
  if (process.platform === "linux") return undefined;
  try {
    // No /proc (macOS): ps prints the command line joined with spaces.
    return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim().split(" ");
  } catch {
    return undefined;
  }
}

function endsWith(argv: string[], args: string[]): boolean {
  return argv.length > args.length && args.every((arg, i) => argv[argv.length - args.length + i] === arg);
}

/** The record of a live server on this port, and who started it; undefined when there is none. */
export function recordedServer(file: string): { record: PidRecord; startedBy: StartedBy } | undefined {
  const record = readRecord(file);
  if (!record || !matchesRecord(record)) return undefined;
  const startedBy: StartedBy = record.ownerPid === process.pid ? "this-openclaw" : ownerAlive(record) ? "other-openclaw" : "orphan";
  return { record, startedBy };
}

/** Who started the server on this port: the record's owner, else the user. */
export function startedBy(file: string): { startedBy: StartedBy; ownerPid?: number } {
  const found = recordedServer(file);
  return found ? { startedBy: found.startedBy, ownerPid: found.record.ownerPid } : { startedBy: "user" };
}

/**
 * Stops a server a killed OpenClaw left behind (the record's owner is gone), and only if it is
 * provably the recorded process (matchesRecord); any other process is never signalled. A record
 * whose owner is gone is dropped either way. Returns whether a process was signalled.
 */
export function reapOrphan(file: string): boolean {
  const record = readRecord(file);
  if (!record || record.ownerPid === process.pid || ownerAlive(record)) return false;
  const reap = matchesRecord(record);
  if (reap) {
    signalGroup(record.pid, "SIGTERM");
    signalGroup(record.pid, "SIGKILL");
  }
  removeRecord(file, record.pid);
  return reap;
}
