// Starts the llmman emulator (tools/bin/llmman serve) as a real process for tests, `npm start` and
// the bench, on a free port with a seeded temp store, and always cleans up: the daemon runs in its
// own process group (its llama-server children are in it too), which stop() SIGKILLs before it
// removes the temp dir; anything still running when this process exits is killed the same way.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../net.ts";
import type { ModelSpec } from "./catalog.ts";
import { seedLlmmanStore } from "./store.ts";

export const llmmanBin = join(import.meta.dirname, "..", "..", "bin", "llmman");

export type Exit = { code: number | null; signal: NodeJS.Signals | null };
export type LogEntry = Record<string, any>;

export interface LlmmanEmulator {
  proc: ChildProcess;
  pid: number;
  port: number;
  /** `http://127.0.0.1:<port>` (no `/v1`). */
  baseUrl: string;
  storeDir: string;
  requestLogPath: string;
  stderr(): string;
  stdout(): string;
  /** Resolves with the first stderr/stdout line matching `re` (rejects if the process exits first). */
  waitForLog(re: RegExp): Promise<string>;
  /** The request log so far (start, request, response, provider events). */
  requests(): LogEntry[];
  exited: Promise<Exit>;
  /** Sends `signal` to the daemon's pid only (as a supervisor would) and waits for its exit. */
  signal(signal: NodeJS.Signals): Promise<Exit>;
  /** SIGKILLs the daemon's whole process group, waits, removes the temp dir. */
  stop(): Promise<void>;
}

export interface StartLlmmanOptions {
  port?: number;
  /** An existing store dir (default: a temp `store` seeded with `models`). */
  store?: string;
  /** What to seed a temp store with (default: seedLlmmanStore's four models). */
  models?: ReadonlyArray<string | ModelSpec>;
  /** Extra daemon env (LLMMAN_* and LLMMAN_EMU_* knobs); nothing leaks in from this process's LLMMAN_* vars. */
  env?: Record<string, string>;
  /** Arguments after `serve` (e.g. a model to preload). */
  args?: string[];
  /** "ready" (default): until `/api/version` answers; "none": return at once. */
  wait?: "ready" | "none";
}

const running = new Set<LlmmanEmulator>();
let exitHook = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // already gone
  }
}

export async function startLlmmanEmulator(opts: StartLlmmanOptions = {}): Promise<LlmmanEmulator> {
  const dir = mkdtempSync(join(tmpdir(), "llmman-emu-"));
  const storeDir = opts.store ?? join(dir, "store");
  if (!opts.store) seedLlmmanStore(storeDir, opts.models);
  const port = opts.port ?? (await freePort());
  const requestLogPath = join(dir, "requests.jsonl");
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("LLMMAN_")) env[k] = v;
  Object.assign(env, { LLMMAN_EMU_LOAD_MS: "100", LLMMAN_EMU_POLL_MS: "20", LLMMAN_EMU_REQUEST_LOG: requestLogPath }, opts.env, {
    LLMMAN_HOST: `127.0.0.1:${port}`,
    LLMMAN_MODELS: storeDir,
  });
  const old = env.LLMMAN_EMU_VERSION === "485d055";
  const argv = ["serve", ...(old ? ["--store", storeDir] : []), ...(opts.args ?? [])];
  const proc = spawn(llmmanBin, argv, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const wake = () => { for (const w of [...waiters]) w(); };
  proc.stdout!.on("data", (d: Buffer) => { out += d.toString("utf8"); wake(); });
  proc.stderr!.on("data", (d: Buffer) => { err += d.toString("utf8"); wake(); });
  const exited = new Promise<Exit>((resolve) => proc.once("exit", (code, signal) => { resolve({ code, signal }); setImmediate(wake); }));
  const pid = proc.pid!;
  if (!exitHook) {
    exitHook = true;
    process.once("exit", () => { for (const e of running) killGroup(e.pid); });
  }

  const emu: LlmmanEmulator = {
    proc, pid, port, baseUrl: `http://127.0.0.1:${port}`, storeDir, requestLogPath, exited,
    stderr: () => err,
    stdout: () => out,
    waitForLog(re) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = `${err}\n${out}`.split("\n").find((l) => re.test(l));
          if (line !== undefined) {
            waiters.delete(check);
            resolve(line);
          } else if (proc.exitCode !== null || proc.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`llmman emulator exited before logging ${re}\nstderr:\n${err}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
    requests() {
      if (!existsSync(requestLogPath)) return [];
      return readFileSync(requestLogPath, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as LogEntry);
    },
    async signal(sig) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      return exited;
    },
    async stop() {
      running.delete(emu);
      killGroup(pid);
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  running.add(emu);
  if (opts.wait !== "none") {
    await emu.waitForLog(/^llmman serve listening on /);
    for (;;) {
      try {
        const res = await fetch(`${emu.baseUrl}/api/version`);
        await res.arrayBuffer();
        if (res.ok) break;
      } catch {
        if (proc.exitCode !== null) throw new Error(`llmman emulator exited\nstderr:\n${err}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return emu;
}

/** Stops every emulator still running (group SIGKILL) and removes their temp dirs. */
export async function stopAllLlmmanEmulators(): Promise<void> {
  await Promise.all([...running].map((e) => e.stop()));
}
