// Every process the bench starts goes through here, so that all of them are stopped at the end,
// on errors too, and none is left behind (checked by pid and by port).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { freePort } from "../../tools/net.ts";
import { inferrsBin } from "../../tools/openclaw-host.ts";

export { freePort };

const tempDirs: string[] = [];

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `inferrs-bench-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Environment without the caller's INFERRS_EMU_* knobs, NODE_OPTIONS or OpenClaw settings. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || key.startsWith("INFERRS_") || key.startsWith("OPENCLAW_") || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  return { ...env, NO_COLOR: "1", ...extra };
}

export type Emulator = { port: number; baseUrl: string; origin: string; proc: ChildProcess; output(): string };

/** Every child process still running (emulators, CLI runs): killed at cleanup. */
const children = new Set<ChildProcess>();
/** Every pid and port the bench (or a Supervisor it drives) ran an emulator with. */
export const startedPids = new Set<number>();
export const usedPorts = new Set<number>();
const cleanups: Array<() => Promise<void> | void> = [];

/** Starts `tools/bin/inferrs serve <model>` on a free port and waits until /health says 200. */
export async function startEmulator(options: { model: string; hfHome: string; knobs?: Record<string, string> }): Promise<Emulator> {
  const port = await freePort();
  usedPorts.add(port);
  const proc = spawn(inferrsBin, ["serve", options.model, "--host", "127.0.0.1", "--port", String(port)], {
    env: cleanEnv({ HF_HOME: options.hfHome, INFERRS_EMU_LOAD_MS: "50", ...options.knobs }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(proc);
  if (proc.pid) startedPids.add(proc.pid);
  let output = "";
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
  proc.stdout!.on("data", keep);
  proc.stderr!.on("data", keep);
  const origin = `http://127.0.0.1:${port}`;
  const emulator = { port, origin, baseUrl: `${origin}/v1`, proc, output: () => output };
  const deadline = Date.now() + 30_000;
  while ((await healthStatus(origin)) !== 200) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`emulator exited before it was ready:\n${output}`);
    if (Date.now() > deadline) throw new Error(`emulator on port ${port} not ready after 30 s:\n${output}`);
    await sleep(10);
  }
  return emulator;
}

/** GET /health status, or 0 when nothing answers. */
export async function healthStatus(origin: string): Promise<number> {
  try {
    const response = await request(`${origin}/health`, { headersTimeout: 1000, bodyTimeout: 1000 });
    await response.body.dump();
    return response.statusCode;
  } catch {
    return 0;
  }
}

export async function stopEmulator(emulator: Emulator): Promise<void> {
  await killChild(emulator.proc);
}

function killChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

/** Kills `proc` at cleanup if it is still running then. */
export function track(proc: ChildProcess): void {
  children.add(proc);
  proc.once("exit", () => children.delete(proc));
}

/** Runs at cleanup, before the processes are killed (e.g. Supervisor.stop, host.dispose). */
export function onCleanup(task: () => Promise<void> | void): void {
  cleanups.push(task);
}

/**
 * Stops everything: the bench's child processes (by handle), then registered cleanups (Supervisors
 * stop the servers they spawned, hosts their gateways); removes temp dirs. Never signals a bare
 * pid: it may have been reused by a process that is not ours.
 */
export async function cleanupAll(): Promise<void> {
  await Promise.all([...children].map(killChild));
  for (const task of cleanups.splice(0).reverse()) {
    try {
      await task();
    } catch (error) {
      process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Emulator processes of this bench still alive: by pid, and by `pgrep -f tools/bin/inferrs` on a
 * port the bench used (other emulators on this machine, e.g. a test run, are not ours).
 */
export async function leftovers(): Promise<string[]> {
  await sleep(200); // a SIGKILLed child may take a moment to be reaped
  const found: string[] = [];
  for (const pid of startedPids) {
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue; // gone
    }
    if (cmdline.includes("tools/bin/inferrs")) found.push(`pid ${pid} still alive: ${cmdline.trim()}`);
  }
  let lines: string[] = [];
  try {
    lines = execFileSync("pgrep", ["-af", "tools/bin/inferrs"], { encoding: "utf8" }).split("\n").filter(Boolean);
  } catch {
    // pgrep exits 1 when nothing matches
  }
  for (const line of lines) {
    const port = /--port\s+(\d+)/.exec(line)?.[1];
    if (port && usedPorts.has(Number(port))) found.push(line);
  }
  return found;
}
