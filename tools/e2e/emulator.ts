// Starts an emulated server (the inferrs emulator, tools/bin/inferrs, unless `bin` names another
// shim in tools/bin) as a real process for tests, and cleans up.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SeedModel, seedHfCache } from "../emulator/hf-cache.ts";
import { freePort } from "../net.ts";

export const projectDir = join(import.meta.dirname, "..", "..");
/** The emulators' shims (`inferrs`, and the other backends' beside it): put it first on PATH to use them by name. */
export const emulatorBinDir = join(projectDir, "tools", "bin");
export const inferrsBin = join(emulatorBinDir, "inferrs");

export { freePort };

const tempDirs: string[] = [];

/** A temp dir to use as HF_HOME, seeded with the default models (or the given ones). */
export function makeHfHome(models?: ReadonlyArray<string | SeedModel>): string {
  const dir = mkdtempSync(join(tmpdir(), "inferrs-emu-hf-"));
  tempDirs.push(dir);
  seedHfCache(dir, models);
  return dir;
}

export function makeTempDir(prefix = "inferrs-emu-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

export interface Emulator {
  proc: ChildProcess;
  port: number;
  baseUrl: string;
  /** stdout so far, ANSI colours removed. */
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when stdout has a line matching `re` (rejects if the process exits first). */
  waitForLog(re: RegExp): Promise<void>;
  /** Polls /health until it returns `status` (default 200). */
  waitForHealth(status?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The emulator's executable; default inferrsBin. */
  bin?: string;
  /** Full argv after `inferrs`; default: serve --host 127.0.0.1 --port <free> <model>. */
  argv?: string[];
  model?: string;
  extraArgs?: string[];
  port?: number;
  hfHome?: string;
  env?: Record<string, string>;
  /** "connect": wait until the port accepts requests (default); "none": return at once. */
  wait?: "connect" | "none";
}

const running = new Set<Emulator>();

/**
 * Without opts.port, a free port is picked, and picked again if another process takes it before
 * the emulator binds it (other test runs share the machine).
 */
export async function startEmulator(opts: StartOptions = {}): Promise<Emulator> {
  for (let attempt = 1; ; attempt++) {
    const emu = await startOn(opts.port ?? (await freePort()), opts);
    if (opts.port !== undefined || opts.wait === "none" || attempt === 5 || listensOn(emu)) return emu;
    await emu.stop();
  }
}

/** The emulator's own process has the listening socket on its port (not some other process). */
function listensOn(emu: Emulator): boolean {
  const local = `0100007F:${emu.port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1] === local && fields[3] === "0A")
    .map((fields) => `socket:[${fields[9]}]`);
  try {
    return readdirSync(`/proc/${emu.proc.pid}/fd`).some((fd) => {
      try {
        return inodes.includes(readlinkSync(`/proc/${emu.proc.pid}/fd/${fd}`));
      } catch {
        return false;
      }
    });
  } catch {
    return false; // exited: it lost the port
  }
}

async function startOn(port: number, opts: StartOptions): Promise<Emulator> {
  const argv = opts.argv ?? ["serve", "--host", "127.0.0.1", "--port", String(port), ...(opts.extraArgs ?? []), ...(opts.model ? [opts.model] : [])];
  // Knobs come only from `opts.env` (none leak in from the test runner's environment).
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("INFERRS_EMU_")) env[k] = v;
  Object.assign(env, { INFERRS_EMU_LOAD_MS: "150" }, opts.hfHome ? { HF_HOME: opts.hfHome } : {}, opts.env);
  const proc = spawn(opts.bin ?? inferrsBin, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters: Array<() => void> = [];
  proc.stdout!.on("data", (d: Buffer) => {
    out += d.toString("utf8").replace(ANSI, "");
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString("utf8")));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once("exit", (code, signal) => {
      for (const w of waiters.splice(0)) w();
      resolve({ code, signal });
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  const emu: Emulator = {
    proc,
    port,
    baseUrl,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (out.split("\n").some((l) => re.test(l))) resolve();
          else if (proc.exitCode !== null || proc.signalCode !== null) reject(new Error(`emulator exited before logging ${re}\nstdout:\n${out}\nstderr:\n${err}`));
          else waiters.push(check);
        };
        check();
      });
    },
    async waitForHealth(status = 200) {
      for (let i = 0; i < 500; i++) {
        try {
          const res = await fetch(`${baseUrl}/health`);
          await res.text();
          if (res.status === status) return;
        } catch {
          // not bound yet
        }
        if (proc.exitCode !== null) throw new Error(`emulator exited\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`/health never returned ${status}\nstdout:\n${out}`);
    },
    async stop() {
      running.delete(emu);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
  };
  running.add(emu);

  if (opts.wait !== "none") {
    // "Server listening" is logged just before the bind; then poll until a request gets through.
    await emu.waitForLog(/Server listening on/);
    for (;;) {
      try {
        await (await fetch(`${baseUrl}/`)).text();
        break;
      } catch {
        if (proc.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
  return emu;
}

/** Kills every emulator still running and removes temp dirs; call from afterAll/afterEach. */
export async function stopAllEmulators(): Promise<void> {
  await Promise.all([...running].map((e) => e.stop()));
}

export function removeTempDirs(): void {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function chat(emu: Emulator, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.baseUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}
