// The harness of the supervisor tests (__tests__/supervisor-*.test.ts): the inferrs emulator
// (tools/bin/inferrs) is spawned as the `inferrs` command, foreign servers are started with
// startEmulator, and outcomes are read from the emulator's request log, /proc, pids and errors.
// Every supervisor, request log and helper process a test creates is registered here, so that
// useHarness()'s afterEach stops them and checks that every pid that was ever started is gone.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { type Server as HttpServer } from "node:http";
import { type Server as NetServer, type Socket } from "node:net";
import { delimiter, join } from "node:path";
import { type ResolvedConfig, resolveConfig } from "../../src/config/resolve.ts";
import { InferrsServiceError } from "../../src/inferrs/server/errors.ts";
import { recordPath } from "../../src/service/pid-record.ts";
import { signalGroup } from "../../src/service/server-process.ts";
import { Supervisor } from "../../src/inferrs/pool/supervisor.ts";
import { processesWithEnv } from "../../tools/processes.ts";
import { freePort, makeHfHome, makeTempDir, projectDir, removeTempDirs, stopAllEmulators } from "./emulator.ts";

export const A = "google/gemma-4-E2B-it";
export const B = "Qwen/Qwen3-0.6B";
export const binDir = join(projectDir, "tools", "bin");
export const node24 = join(projectDir, "node_modules", "node", "bin", "node");
export const CONFIG = "plugins.entries.inferrs.config";


export { processesWithEnv };

export let hfHome: string;
export const supervisors: Supervisor[] = [];
export const requestLogs: string[] = [];
export const extraPids: number[] = [];
export const cleanups: Array<() => unknown> = [];

export function useHarness(): void {
  const maxListeners = process.getMaxListeners();
  beforeAll(() => {
    hfHome = makeHfHome();
    // Each Supervisor that spawns adds one process "exit" hook; a plugin has one, this file ~30.
    process.setMaxListeners(Math.max(maxListeners, 64));
  });

  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((sup) => sup.stop()));
    await stopAllEmulators();
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const logs = requestLogs.splice(0);
    const pids = new Set([
      ...logs.flatMap((log) => starts(log).map((start) => start.pid)),
      ...processesWithEnv(logs.map((log) => `INFERRS_EMU_REQUEST_LOG=${log}`)),
      ...extraPids.splice(0),
    ]);
    const leftovers: number[] = [];
    for (const pid of pids) {
      if (await waitGone(pid, 3000)) continue;
      leftovers.push(pid);
      signalGroup(pid, "SIGKILL");
    }
    expect(leftovers).toEqual([]);
  });

  afterAll(() => {
    removeTempDirs();
    process.setMaxListeners(maxListeners);
  });
}


/** The test runner's environment without emulator knobs, with the emulator first on PATH. */
export function baseEnv(extra: Record<string, string> = {}, withEmulatorOnPath = true): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("INFERRS_EMU_")) env[key] = value;
  return {
    ...env,
    PATH: withEmulatorOnPath ? `${binDir}${delimiter}${process.env.PATH}` : (process.env.PATH ?? ""),
    HF_HOME: hfHome,
    INFERRS_EMU_LOAD_MS: "50",
    ...extra,
  };
}

export type Rig = {
  sup: Supervisor;
  config: ResolvedConfig;
  /** The raw plugin config `config` was resolved from. */
  raw: Record<string, unknown>;
  port: number;
  origin: string;
  stateDir: string;
  /** The emulator's JSON-lines request log (INFERRS_EMU_REQUEST_LOG, passed through service.env). */
  log: string;
  recordFile: string;
};

export type RigOptions = {
  port?: number;
  stateDir?: string;
  apiKey?: string;
  /** Plugin `service` config; `device` defaults to cpu, `env` gets the request log added. */
  service?: { env?: Record<string, string> } & Record<string, unknown>;
  /** Extra supervisor environment (emulator knobs). */
  env?: Record<string, string>;
  emulatorOnPath?: boolean;
};

export async function rig(options: RigOptions = {}): Promise<Rig> {
  const port = options.port ?? (await freePort());
  const dir = makeTempDir("inferrs-sup-");
  const log = join(dir, "requests.jsonl");
  requestLogs.push(log);
  const stateDir = options.stateDir ?? join(dir, "state");
  const raw: Record<string, unknown> = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    service: {
      device: "cpu",
      ...options.service,
      env: { INFERRS_EMU_REQUEST_LOG: log, ...options.service?.env },
    },
  };
  const sup = new Supervisor({ env: baseEnv(options.env, options.emulatorOnPath ?? true), stateDir });
  supervisors.push(sup);
  return {
    sup,
    config: resolveConfig(raw),
    raw,
    port,
    origin: `http://127.0.0.1:${port}`,
    stateDir,
    log,
    recordFile: recordPath(stateDir, port),
  };
}

export type StartLine = { time: string; argv: string[]; pid: number; model: string; host: string; port: number; device: string };

export function logLines(log: string): Array<Record<string, unknown>> {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function starts(log: string): StartLine[] {
  return logLines(log).filter((line) => line.event === "start") as unknown as StartLine[];
}

/**
 * The process has exited. kill(pid, 0) is the check; a zombie also counts, because here PID 1
 * does not reap orphans, so a server whose parent died stays a zombie after it was killed.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^[\s\S]*\) /, "").startsWith("Z");
  } catch {
    return true;
  }
}

/** Polls (for what gives no event, e.g. a process we are not the parent of); true if it came in time. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

export function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  return waitFor(() => isGone(pid), timeoutMs);
}

/** Only for "this must not happen within a while" windows; events are awaited everywhere else. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function settledFlag<T>(promise: Promise<T>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

export async function errorOf(promise: Promise<unknown>): Promise<InferrsServiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InferrsServiceError);
    return error as InferrsServiceError;
  }
  throw new Error("expected the promise to reject");
}

export async function healthStatus(origin: string): Promise<number> {
  const response = await fetch(`${origin}/health`);
  await response.text();
  return response.status;
}

/** The model /v1/models marks as loaded. */
export async function servedModel(origin: string): Promise<string | undefined> {
  const response = await fetch(`${origin}/v1/models`);
  const body = (await response.json()) as { data: Array<{ id: string; owned_by: string }> };
  return body.data.find((entry) => entry.owned_by === "inferrs (loaded)")?.id;
}

export function ownedPid(sup: Supervisor): number {
  const owned = sup.status().servers[0];
  if (!owned) throw new Error("the supervisor owns no running server");
  return owned.pid;
}

/** The argv startEmulator gives a server (`serve --host 127.0.0.1 --port <port> <model>`). */
export function emulatorArgv(port: number, model: string): string[] {
  return ["serve", "--host", "127.0.0.1", "--port", String(port), model];
}

/** A pid that existed and is gone (its process exited and was reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn("true");
  await once(child, "exit");
  return child.pid!;
}

/** A long-running unrelated process, killed after the test. */
export function sleeper(): ChildProcess {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  extraPids.push(child.pid!);
  cleanups.push(() => child.kill("SIGKILL"));
  return child;
}

export function executable(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** Listens on 127.0.0.1:port until the end of the test (open connections are cut then). */
export async function listen<T extends HttpServer | NetServer>(server: T, port: number): Promise<T> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}
