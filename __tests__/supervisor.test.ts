// The on-demand inferrs supervisor (src/service/*), driven against real processes: the inferrs
// emulator (tools/bin/inferrs) is spawned as the `inferrs` command, foreign servers are started with
// startEmulator, and outcomes are read from the emulator's request log, /proc, pids and errors.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ResolvedConfig, resolveConfig } from "../src/config/resolve.ts";
import { resolveCommand } from "../src/service/command.ts";
import { resolveDevice } from "../src/service/device.ts";
import { InferrsServiceError, whyNoAutoStart } from "../src/service/errors.ts";
import { OutputTail } from "../src/service/output-tail.ts";
import {
  isAlive,
  matchesRecord,
  type PidRecord,
  readRecord,
  recordPath,
  removeRecord,
  stateDir as defaultStateDir,
  writeRecord,
} from "../src/service/pid-record.ts";
import { probeHealth, sameModel } from "../src/service/probe.ts";
import { NotReadyError, waitForHealth } from "../src/service/readiness.ts";
import { signalGroup } from "../src/service/server-process.ts";
import { Supervisor } from "../src/service/supervisor.ts";
import {
  freePort,
  inferrsBin,
  makeHfHome,
  makeTempDir,
  projectDir,
  removeTempDirs,
  startEmulator,
  stopAllEmulators,
} from "./support/emulator.ts";

const A = "google/gemma-4-E2B-it";
const B = "Qwen/Qwen3-0.6B";
const binDir = join(projectDir, "tools", "bin");
const node24 = join(projectDir, "node_modules", "node", "bin", "node");
const CONFIG = "plugins.entries.inferrs.config";

// ---------------------------------------------------------------------------------------------
// Harness: every supervisor, request log and helper process a test creates is registered here, so
// afterEach can stop them and check that every pid that was ever started is gone.

let hfHome: string;
const supervisors: Supervisor[] = [];
const requestLogs: string[] = [];
const extraPids: number[] = [];
const cleanups: Array<() => unknown> = [];

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

/** Live processes whose environment has one of these entries (servers spawned with a rig's config). */
function processesWithEnv(entries: string[]): number[] {
  if (entries.length === 0) return [];
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (entries.some((entry) => environ.includes(entry))) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The test runner's environment without emulator knobs, with the emulator first on PATH. */
function baseEnv(extra: Record<string, string> = {}, withEmulatorOnPath = true): NodeJS.ProcessEnv {
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

type Rig = {
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

type RigOptions = {
  port?: number;
  stateDir?: string;
  apiKey?: string;
  /** Plugin `service` config; `device` defaults to cpu, `env` gets the request log added. */
  service?: { env?: Record<string, string> } & Record<string, unknown>;
  /** Extra supervisor environment (emulator knobs). */
  env?: Record<string, string>;
  emulatorOnPath?: boolean;
};

async function rig(options: RigOptions = {}): Promise<Rig> {
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

type StartLine = { time: string; argv: string[]; pid: number; model: string; host: string; port: number; device: string };

function logLines(log: string): Array<Record<string, unknown>> {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function starts(log: string): StartLine[] {
  return logLines(log).filter((line) => line.event === "start") as unknown as StartLine[];
}

/**
 * The process has exited. kill(pid, 0) is the check; a zombie also counts, because here PID 1
 * does not reap orphans, so a server whose parent died stays a zombie after it was killed.
 */
function isGone(pid: number): boolean {
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
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

function waitGone(pid: number, timeoutMs = 5000): Promise<boolean> {
  return waitFor(() => isGone(pid), timeoutMs);
}

/** Only for "this must not happen within a while" windows; events are awaited everywhere else. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function settledFlag<T>(promise: Promise<T>): { settled: boolean } {
  const flag = { settled: false };
  promise.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

async function errorOf(promise: Promise<unknown>): Promise<InferrsServiceError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(InferrsServiceError);
    return error as InferrsServiceError;
  }
  throw new Error("expected the promise to reject");
}

async function healthStatus(origin: string): Promise<number> {
  const response = await fetch(`${origin}/health`);
  await response.text();
  return response.status;
}

/** The model /v1/models marks as loaded. */
async function servedModel(origin: string): Promise<string | undefined> {
  const response = await fetch(`${origin}/v1/models`);
  const body = (await response.json()) as { data: Array<{ id: string; owned_by: string }> };
  return body.data.find((entry) => entry.owned_by === "inferrs (loaded)")?.id;
}

function ownedPid(sup: Supervisor): number {
  const owned = sup.status().owned;
  if (!owned) throw new Error("the supervisor owns no running server");
  return owned.pid;
}

/** A pid that existed and is gone (its process exited and was reaped). */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await once(child, "exit");
  return child.pid!;
}

/** A long-running unrelated process, killed after the test. */
function sleeper(): ChildProcess {
  const child = spawn("sleep", ["60"], { stdio: "ignore" });
  extraPids.push(child.pid!);
  cleanups.push(() => child.kill("SIGKILL"));
  return child;
}

function executable(path: string, text: string): string {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

/** Listens on 127.0.0.1:port until the end of the test (open connections are cut then). */
async function listen<T extends HttpServer | NetServer>(server: T, port: number): Promise<T> {
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

// ---------------------------------------------------------------------------------------------

describe("starting inferrs on demand", () => {
  test("spawns `inferrs serve <model> --host --port --device <args>` from PATH, waits for /health 200, then grants the lease", async () => {
    const r = await rig({ service: { args: ["--max-seq-len", "4096"] } });
    const lease = await r.sup.acquire(A, r.config);

    const [start, ...more] = starts(r.log);
    expect(more).toEqual([]);
    expect(start.argv).toEqual(["serve", A, "--host", "127.0.0.1", "--port", String(r.port), "--device", "cpu", "--max-seq-len", "4096"]);
    expect(await healthStatus(r.origin)).toBe(200);
    expect(await servedModel(r.origin)).toBe(A);
    // The supervisor waited for readiness itself: its last /health poll before the lease said 200.
    expect(logLines(r.log).some((line) => line.event === "request" && line.path === "/health")).toBe(true);

    expect(r.sup.status()).toEqual({
      owned: { pid: start.pid, model: A, command: join(binDir, "inferrs"), args: start.argv, uptimeMs: expect.any(Number) },
      leases: 1,
      spawns: 1,
    });
    // The real process, in its own process group (so stop() can signal the group).
    const stat = readFileSync(`/proc/${start.pid}/stat`, "utf8").replace(/^[\s\S]*\) /, "").split(" ");
    expect(Number(stat[2])).toBe(start.pid);
    expect(readRecord(r.recordFile)).toEqual({
      pid: start.pid,
      ownerPid: process.pid,
      command: join(binDir, "inferrs"),
      port: r.port,
      model: A,
      startedAt: expect.any(Number),
    });

    lease.release();
    lease.release(); // idempotent
    expect(r.sup.status().leases).toBe(0);
    await r.sup.stop();
    expect(isGone(start.pid)).toBe(true);
  });

  test("ten concurrent acquire() calls for one model spawn exactly one server (absolute service.command)", async () => {
    const r = await rig({ service: { command: inferrsBin, autoStart: true }, emulatorOnPath: false });
    const leases = await Promise.all(Array.from({ length: 10 }, () => r.sup.acquire(A, r.config)));

    expect(r.sup.status()).toMatchObject({ spawns: 1, leases: 10, owned: { model: A, command: inferrsBin } });
    expect(starts(r.log)).toHaveLength(1);
    for (const lease of leases) lease.release();
    expect(r.sup.status().leases).toBe(0);
  });

  test("sees readiness within one capped poll (~100 ms) of the model having loaded", async () => {
    const loadMs = 1000;
    const r = await rig({ env: { INFERRS_EMU_LOAD_MS: String(loadMs) } });
    const lease = await r.sup.acquire(A, r.config);
    const granted = Date.now();

    // Times are the emulator's own (its start line, and when each /health poll reached it), so
    // node's start-up time does not count. The supervisor stops polling at the first 200: the last
    // poll saw the server ready, the one before it still loading.
    const startedAt = Date.parse(starts(r.log)[0].time);
    const polls = logLines(r.log)
      .filter((line) => line.event === "request" && line.path === "/health")
      .map((line) => Date.parse(line.time as string));
    const gaps = polls.slice(1).map((time, i) => time - polls[i]);
    expect(polls.length).toBeGreaterThanOrEqual(loadMs / 100);
    expect(Math.max(...gaps)).toBeLessThan(100 + 50); // backoff capped at 100 ms (+ the probe itself)
    expect(granted - polls.at(-1)!).toBeLessThan(50);
    expect(granted - startedAt).toBeGreaterThanOrEqual(loadMs);
    expect(granted - startedAt).toBeLessThan(loadMs + 150 + 150); // loose: the emulator's own load work and CI noise
    lease.release();
  });

  test("a config that moved to another port stops the old server and starts one on the new port", async () => {
    const r = await rig();
    const first = await r.sup.acquire(A, r.config);
    const oldPid = ownedPid(r.sup);
    first.release();

    const newPort = await freePort();
    const moved = resolveConfig({ ...r.raw, baseUrl: `http://127.0.0.1:${newPort}/v1` });
    const second = await r.sup.acquire(A, moved);
    expect(isGone(oldPid)).toBe(true);
    expect(r.sup.status()).toMatchObject({ spawns: 2, owned: { model: A } });
    expect(starts(r.log).map((start) => start.port)).toEqual([r.port, newPort]);
    expect(await healthStatus(`http://127.0.0.1:${newPort}`)).toBe(200);
    expect(existsSync(r.recordFile)).toBe(false);
    second.release();
  });
});

describe("leases and idle stop", () => {
  test("with idleStopMs the server stops idleStopMs after the last lease is released, never while one is held", async () => {
    const idleStopMs = 300;
    const r = await rig({ service: { idleStopMs } });
    const [first, second] = await Promise.all([r.sup.acquire(A, r.config), r.sup.acquire(A, r.config)]);
    const pid = ownedPid(r.sup);

    first.release();
    await sleep(idleStopMs * 1.5);
    expect(isGone(pid)).toBe(false); // a lease is still held, even past idleStopMs
    expect(r.sup.status().owned?.pid).toBe(pid);

    const releasedAt = Date.now();
    second.release();
    expect(await waitGone(pid)).toBe(true);
    const stoppedAfter = Date.now() - releasedAt;
    expect(stoppedAfter).toBeGreaterThanOrEqual(idleStopMs - 5);
    expect(stoppedAfter).toBeLessThan(idleStopMs + 1500);
    expect(r.sup.status().owned).toBeUndefined();
    expect(await waitFor(() => !existsSync(r.recordFile))).toBe(true);

    // An idle-stopped server is started again on demand.
    const again = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 2, leases: 1 });
    again.release();
  });

  test("a lease released while another acquire() is in progress does not leave an early idle stop armed", async () => {
    const idleStopMs = 300;
    const r = await rig({ service: { idleStopMs } });
    const first = await r.sup.acquire(A, r.config);

    // acquire(B) is in progress (it waits for A's lease, then switches) when that lease goes.
    const pending = r.sup.acquire(B, r.config);
    const flag = settledFlag(pending);
    await new Promise((resolve) => setImmediate(resolve));
    expect(flag.settled).toBe(false);
    first.release(); // last lease gone for a moment: arms the idle timer
    const second = await pending;
    const pid = ownedPid(r.sup);

    await sleep(200);
    const releasedAt = Date.now();
    second.release();
    expect(await waitGone(pid)).toBe(true);
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(idleStopMs - 5);
  });

  test("idleStopMs 0 (the default) keeps the server running after the last lease", async () => {
    const r = await rig();
    expect(r.config.service.idleStopMs).toBe(0);
    const lease = await r.sup.acquire(A, r.config);
    const pid = ownedPid(r.sup);
    lease.release();
    await sleep(400);
    expect(isGone(pid)).toBe(false);
    expect(r.sup.status().owned?.pid).toBe(pid);
    expect(await healthStatus(r.origin)).toBe(200);
  });
});

describe("switching models", () => {
  test("acquire(B) waits until A's leases are released, then stops A and starts B", async () => {
    const r = await rig();
    const leaseA = await r.sup.acquire(A, r.config);
    const pidA = ownedPid(r.sup);

    const pendingB = r.sup.acquire(B, r.config);
    const flag = settledFlag(pendingB);
    await sleep(300);
    expect(flag.settled).toBe(false); // draining: A is still in use
    expect(isGone(pidA)).toBe(false);
    expect(r.sup.status()).toMatchObject({ spawns: 1, owned: { pid: pidA, model: A } });
    expect(await servedModel(r.origin)).toBe(A);

    leaseA.release();
    const leaseB = await pendingB;
    const pidB = ownedPid(r.sup);
    expect(pidB).not.toBe(pidA);
    expect(isGone(pidA)).toBe(true);
    expect(await servedModel(r.origin)).toBe(B);
    expect(starts(r.log).map((start) => [start.pid, start.model])).toEqual([
      [pidA, A],
      [pidB, B],
    ]);
    expect(r.sup.status()).toMatchObject({ spawns: 2, leases: 1, owned: { model: B } });
    expect(readRecord(r.recordFile)).toMatchObject({ pid: pidB, model: B });
    leaseB.release();
  });
});

describe("servers OpenClaw did not start", () => {
  test("a foreign server serving the selected model is used as is: no spawn, and stop() leaves it running", async () => {
    const port = await freePort();
    const foreign = await startEmulator({ model: A, port, hfHome });
    const r = await rig({ port });

    const lease = await r.sup.acquire(A, r.config);
    const byBareName = await r.sup.acquire("gemma-4-E2B-it", r.config); // inferrs matches without the org
    expect(r.sup.status()).toEqual({ owned: undefined, leases: 2, spawns: 0 });
    expect(starts(r.log)).toEqual([]);
    lease.release();
    byBareName.release();

    await r.sup.stop();
    expect(isGone(foreign.proc.pid!)).toBe(false);
    expect(await healthStatus(r.origin)).toBe(200);
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("a foreign server seen serving the model is not asked again for the next requests (no round trip)", async () => {
    const port = await freePort();
    const foreignLog = join(makeTempDir("inferrs-foreign-"), "requests.jsonl");
    await startEmulator({ model: A, port, hfHome, env: { INFERRS_EMU_REQUEST_LOG: foreignLog } });
    const r = await rig({ port });
    const probes = () => readFileSync(foreignLog, "utf8").split("\n").filter((line) => line.includes('"/health"')).length;

    (await r.sup.acquire(A, r.config)).release();
    const afterFirst = probes();
    expect(afterFirst).toBeGreaterThan(0);
    (await r.sup.acquire(A, r.config)).release();
    expect(probes()).toBe(afterFirst);
    await r.sup.stop();
  });

  test("a foreign server serving another model gives an error naming both models and the fix, and is never killed", async () => {
    const port = await freePort();
    const foreign = await startEmulator({ model: A, port, hfHome });
    const r = await rig({ port });

    const error = await errorOf(r.sup.acquire(B, r.config));
    expect(error.message).toContain(`inferrs at ${r.origin} serves ${A}, but inferrs/${B} was selected`);
    expect(error.message).toContain("not started by OpenClaw, so OpenClaw will not stop it");
    expect(error.message).toContain(`Select inferrs/${A}, or stop that server`);
    expect(error.message).toContain(`\`inferrs serve ${B} --host 127.0.0.1 --port ${port}\``);
    expect(r.sup.status()).toEqual({ owned: undefined, leases: 0, spawns: 0 });

    await r.sup.stop();
    expect(isGone(foreign.proc.pid!)).toBe(false);
    expect(await servedModel(r.origin)).toBe(A);
  });

  test("a foreign server whose load failed is reported, not restarted or killed", async () => {
    const port = await freePort();
    const foreign = await startEmulator({ model: A, port, hfHome, env: { INFERRS_EMU_LOAD_FAIL: "weights corrupt" } });
    await foreign.waitForHealth(500);
    const r = await rig({ port });

    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain("reports a failed model load (/health 500) and was not started by OpenClaw");
    expect(r.sup.status().spawns).toBe(0);
    expect(isGone(foreign.proc.pid!)).toBe(false);
  });

  test("a foreign server still loading after readyTimeoutMs holds the port: error, no spawn, not killed", async () => {
    const port = await freePort();
    const foreign = await startEmulator({ model: A, port, hfHome, env: { INFERRS_EMU_LOAD_MS: "5000" } });
    const r = await rig({ port, service: { readyTimeoutMs: 1000 } });

    const began = Date.now();
    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    expect(error.message).toBe(
      `inferrs at ${r.origin} was still loading after 1000 ms (/health 503). Wait for it, or raise ${CONFIG}.service.readyTimeoutMs.`,
    );
    expect(r.sup.status().spawns).toBe(0);
    expect(isGone(foreign.proc.pid!)).toBe(false);
    expect(await healthStatus(r.origin)).toBe(503);
  });
});

describe("start failures", () => {
  test("a failed load gives inferrs' `Model load failed: …` text, and the process is stopped", async () => {
    const r = await rig({ env: { INFERRS_EMU_LOAD_FAIL: "DriverError(CUDA_ERROR_OUT_OF_MEMORY, \"out of memory\")" } });
    const error = await errorOf(r.sup.acquire(A, r.config));

    expect(error.message).toMatch(
      new RegExp(`^inferrs could not load ${A}: Model load failed: DriverError\\(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"\\)\nLast output of inferrs:\n`),
    );
    expect(error.message).toContain(`Starting inferrs server for model: ${A}`);
    expect(error.message).not.toMatch(/\u001b\[/); // colour codes are stripped
    const [start] = starts(r.log);
    expect(isGone(start.pid)).toBe(true);
    expect(r.sup.status()).toEqual({ owned: undefined, leases: 0, spawns: 1 });
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("a server that is not ready within readyTimeoutMs is stopped, and the error says so", async () => {
    const r = await rig({ service: { readyTimeoutMs: 1000 }, env: { INFERRS_EMU_LOAD_MS: "5000" } });
    const began = Date.now();
    const error = await errorOf(r.sup.acquire(A, r.config));
    const took = Date.now() - began;

    expect(error.message).toContain(`inferrs did not become ready within 1000 ms while loading ${A}, so OpenClaw stopped it.`);
    expect(error.message).toContain(`raise ${CONFIG}.service.readyTimeoutMs or run \`inferrs pull ${A}\` first.`);
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(4000);
    const [start] = starts(r.log);
    expect(isGone(start.pid)).toBe(true);
    expect(r.sup.status().owned).toBeUndefined();
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("a port held by a server that does not speak HTTP: `Address already in use` error naming the port and the fix", async () => {
    const port = await freePort();
    await listen(
      createNetServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n")),
      port,
    );
    const r = await rig({ port });

    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain(
      `inferrs exited while starting ${A} (exit code 1). Port ${port} is taken: stop what listens there, or change the port in ${CONFIG}.baseUrl.`,
    );
    expect(error.message).toContain("Error: Address already in use (os error 98)");
    const [start] = starts(r.log);
    expect(isGone(start.pid)).toBe(true);
    expect(r.sup.status()).toEqual({ owned: undefined, leases: 0, spawns: 1 });
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("an HTTP server that is not inferrs (404 on /health) gives a `not inferrs` error and nothing is spawned", async () => {
    const port = await freePort();
    await listen(
      createHttpServer((_request, response) => {
        response.statusCode = 404;
        response.end("Not Found");
      }),
      port,
    );
    const r = await rig({ port });

    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toBe(
      `Something that is not inferrs answers on ${r.origin} (GET /health → HTTP 404). Stop it, or point ${CONFIG}.baseUrl at a free port.`,
    );
    expect(r.sup.status().spawns).toBe(0);
  });

  test("a missing command: the error names it and the fix, and nothing is spawned", async () => {
    const absolute = await rig({ service: { command: "/nonexistent/bin/inferrs" } });
    const error = await errorOf(absolute.sup.acquire(A, absolute.config));
    expect(error.message).toContain(`inferrs is not running at ${absolute.origin} (connection refused) and OpenClaw will not start it`);
    expect(error.message).toContain(
      `the command "/nonexistent/bin/inferrs" was not found; install inferrs or set ${CONFIG}.service.command to its absolute path`,
    );
    expect(absolute.sup.status().spawns).toBe(0);

    const onPath = await rig({ emulatorOnPath: false });
    const notOnPath = await errorOf(onPath.sup.acquire(A, onPath.config));
    expect(notOnPath.message).toContain(`the command "inferrs" was not found on PATH; install inferrs or set ${CONFIG}.service.command`);
    expect(notOnPath.message).toContain(`Start it yourself with \`inferrs serve ${A} --host 127.0.0.1 --port ${onPath.port}\``);
    expect(onPath.sup.status().spawns).toBe(0);
  });

  test("autoStart false: the error gives the `inferrs serve …` command to run, and nothing is spawned", async () => {
    const r = await rig({ service: { autoStart: false } });
    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toBe(
      `inferrs is not running at ${r.origin} (connection refused) and OpenClaw will not start it: ${CONFIG}.service.autoStart is false. ` +
        `Start it yourself with \`inferrs serve ${A} --host 127.0.0.1 --port ${r.port}\`, or fix the reason above.`,
    );
    expect(r.sup.status().spawns).toBe(0);
    expect(starts(r.log)).toEqual([]);
  });

  test("a command that cannot be executed (missing #! interpreter) gives an error saying why", async () => {
    const dir = makeTempDir("inferrs-cmd-");
    const command = executable(join(dir, "inferrs"), "#!/nonexistent/interpreter\n");
    const r = await rig({ service: { command } });

    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain(`inferrs exited while starting ${A}`);
    expect(error.message).toContain("ENOENT");
    expect(r.sup.status()).toEqual({ owned: undefined, leases: 0, spawns: 1 });
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("an unknown flag in service.args: inferrs' usage error, and the error points at service.args", async () => {
    const r = await rig({ service: { args: ["--no-such-flag"] } });
    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain(`inferrs exited while starting ${A} (exit code 2). Check ${CONFIG}.service.args.`);
    expect(error.message).toContain("error: unexpected argument '--no-such-flag' found");
    expect(r.sup.status().owned).toBeUndefined();
  });
});

describe("crashes, stop and registrations", () => {
  test("an unwritable state dir does not leak the server: it is still ours, used, and stopped", async () => {
    const dir = makeTempDir("inferrs-state-");
    writeFileSync(join(dir, "not-a-dir"), "");
    const r = await rig({ stateDir: join(dir, "not-a-dir", "state") }); // mkdir fails with ENOTDIR
    const lease = await r.sup.acquire(A, r.config);
    const pid = ownedPid(r.sup);
    expect(r.sup.status()).toMatchObject({ spawns: 1, leases: 1, owned: { model: A } });
    lease.release();

    await r.sup.stop();
    expect(isGone(pid)).toBe(true);
  });


  test("a server we started that gets SIGKILLed is replaced by a new one on the next acquire()", async () => {
    const r = await rig();
    const first = await r.sup.acquire(A, r.config);
    const pid1 = ownedPid(r.sup);
    first.release();

    process.kill(pid1, "SIGKILL");
    expect(await r.sup.crashOfServedProcess(5000)).toBe("killed by SIGKILL");
    expect(isGone(pid1)).toBe(true);

    const second = await r.sup.acquire(A, r.config);
    const pid2 = ownedPid(r.sup);
    expect(pid2).not.toBe(pid1);
    expect(r.sup.status()).toMatchObject({ spawns: 2, leases: 1 });
    expect(await healthStatus(r.origin)).toBe(200);
    expect(readRecord(r.recordFile)?.pid).toBe(pid2);
    second.release();
  });

  test("stop() kills the server's whole process group (no orphan) and removes the pid record", async () => {
    const dir = makeTempDir("inferrs-group-");
    const childPidFile = join(dir, "child.pid");
    // A server that has a child of its own (as a daemon-mode inferrs has workers).
    const command = executable(
      join(dir, "inferrs"),
      `#!/bin/sh\nsleep 60 &\necho $! > "${childPidFile}"\nexec "${inferrsBin}" "$@"\n`,
    );
    const r = await rig({ service: { command } });
    const lease = await r.sup.acquire(A, r.config);
    lease.release();
    const pid = ownedPid(r.sup);
    const childPid = Number(readFileSync(childPidFile, "utf8"));
    extraPids.push(childPid);
    expect(isGone(childPid)).toBe(false);
    expect(readRecord(r.recordFile)?.pid).toBe(pid);

    await r.sup.stop();
    expect(isGone(pid)).toBe(true);
    expect(await waitGone(childPid, 2000)).toBe(true);
    expect(existsSync(r.recordFile)).toBe(false);
    expect(r.sup.status().owned).toBeUndefined();
  });

  test("attach()/detach(): the server is stopped only when the last registration detaches", async () => {
    const r = await rig();
    const detachFirst = r.sup.attach();
    const detachSecond = r.sup.attach();
    const lease = await r.sup.acquire(A, r.config);
    lease.release();
    const pid = ownedPid(r.sup);

    await detachFirst();
    await detachFirst(); // a second call of the same detach does not count twice
    expect(isGone(pid)).toBe(false);
    expect(r.sup.status().owned?.pid).toBe(pid);

    await detachSecond();
    expect(isGone(pid)).toBe(true);
    expect(r.sup.status().owned).toBeUndefined();
    expect(existsSync(r.recordFile)).toBe(false);
  });
});

describe("orphans of a killed OpenClaw", () => {
  test("a recorded server whose owner is dead is stopped, and the supervisor starts its own", async () => {
    const port = await freePort();
    const orphan = await startEmulator({ model: A, port, hfHome });
    const r = await rig({ port });
    writeRecord(r.recordFile, {
      pid: orphan.proc.pid!,
      ownerPid: await deadPid(),
      command: join(binDir, "inferrs"),
      port,
      model: A,
      startedAt: Date.now(),
    });

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status().spawns).toBe(1);
    expect(await waitGone(orphan.proc.pid!, 2000)).toBe(true);
    expect((await orphan.exited).signal).toMatch(/^SIG(TERM|KILL)$/);
    const pid = ownedPid(r.sup);
    expect(pid).not.toBe(orphan.proc.pid);
    expect(readRecord(r.recordFile)).toMatchObject({ pid, ownerPid: process.pid, model: A });
    lease.release();
  });

  test("an OpenClaw killed with SIGKILL leaves its server behind; the next supervisor reaps it", async () => {
    const r = await rig();
    const dir = makeTempDir("inferrs-owner-");
    const script = join(dir, "owner.ts");
    const src = (path: string) => JSON.stringify(pathToFileURL(join(projectDir, "src", path)).href);
    writeFileSync(
      script,
      `import { resolveConfig } from ${src("config/resolve.ts")};\n` +
        `import { Supervisor } from ${src("service/supervisor.ts")};\n` +
        `const [stateDir, config, model] = process.argv.slice(2);\n` +
        `const sup = new Supervisor({ env: process.env, stateDir });\n` +
        `await sup.acquire(model, resolveConfig(JSON.parse(config)));\n` +
        `process.stdout.write(sup.status().owned!.pid + "\\n");\n` +
        `setInterval(() => {}, 60_000);\n`,
    );
    const owner = spawn(node24, ["--disable-warning=ExperimentalWarning", script, r.stateDir, JSON.stringify(r.raw), A], {
      env: baseEnv(),
      stdio: ["ignore", "pipe", "inherit"],
    });
    extraPids.push(owner.pid!);
    cleanups.push(() => owner.kill("SIGKILL"));
    const [line] = (await once(owner.stdout!, "data")) as [Buffer];
    const orphanPid = Number(line.toString().trim());
    expect(readRecord(r.recordFile)).toMatchObject({ pid: orphanPid, ownerPid: owner.pid, port: r.port, model: A });

    owner.kill("SIGKILL");
    await once(owner, "exit");
    expect(isGone(orphanPid)).toBe(false); // the server outlived its owner
    expect(await healthStatus(r.origin)).toBe(200);

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status().spawns).toBe(1);
    expect(await waitGone(orphanPid, 2000)).toBe(true);
    const pid = ownedPid(r.sup);
    expect(pid).not.toBe(orphanPid);
    expect(starts(r.log).map((start) => start.pid)).toEqual([orphanPid, pid]);
    lease.release();
  });

  test("a record whose owner is still alive is left alone: that server is not ours to stop", async () => {
    const port = await freePort();
    const other = await startEmulator({ model: A, port, hfHome });
    const owner = sleeper();
    const r = await rig({ port });
    const record: PidRecord = { pid: other.proc.pid!, ownerPid: owner.pid!, command: inferrsBin, port, model: A, startedAt: Date.now() };
    writeRecord(r.recordFile, record);

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 0, owned: undefined });
    expect(isGone(other.proc.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toEqual(record);
    lease.release();
  });

  test("a record whose pid now belongs to another program is dropped without signalling it (pid reuse)", async () => {
    const unrelated = sleeper();
    const r = await rig();
    writeRecord(r.recordFile, {
      pid: unrelated.pid!,
      ownerPid: await deadPid(),
      command: inferrsBin,
      port: r.port,
      model: A,
      startedAt: Date.now(),
    });

    const lease = await r.sup.acquire(A, r.config);
    expect(isGone(unrelated.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toMatchObject({ pid: ownedPid(r.sup), ownerPid: process.pid });
    lease.release();
  });
});

describe("error output tails", () => {
  test("secrets from service.env, the API key and token-looking values are masked in a failed load's output", async () => {
    const r = await rig({
      apiKey: "sk-local-9f8e7d6c",
      service: { env: { HF_TOKEN: "s3cr3t-value-1234", MODEL_CACHE: "/srv/model-cache" } },
      env: {
        INFERRS_EMU_LOAD_FAIL:
          "401 Unauthorized for s3cr3t-value-1234 (Authorization: Bearer sk-local-9f8e7d6c; hub token: hf_AbCdEfGh12345678) " +
          "fetching into /srv/model-cache",
      },
    });
    const error = await errorOf(r.sup.acquire(A, r.config));

    expect(error.message).toContain("Model load failed: 401 Unauthorized for <redacted> (Authorization: Bearer <redacted> hub token: <redacted>");
    expect(error.message).toContain("fetching into /srv/model-cache"); // values of other service.env entries stay readable
    for (const secret of ["s3cr3t-value-1234", "sk-local-9f8e7d6c", "hf_AbCdEfGh12345678"]) expect(error.message).not.toContain(secret);
    expect(isGone(starts(r.log)[0].pid)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The supervisor's modules on their own.

describe("OutputTail", () => {
  test("keeps the last 40 complete lines, without colour codes, plus an unfinished last line", () => {
    const tail = new OutputTail();
    for (let i = 1; i <= 45; i++) tail.push(`\u001b[32mline ${i}\u001b[0m\r\n`);
    tail.push("\n   \npartial");
    expect(tail.text(100).split("\n")).toEqual([...Array.from({ length: 40 }, (_, i) => `line ${i + 6}`), "partial"]);
    expect(tail.text(2)).toBe("line 45\npartial");
    expect(tail.find(/line (\d+)/)?.[1]).toBe("45");
  });

  test("masks given secrets (4 characters or more) and token-looking values", () => {
    const tail = new OutputTail(["topsecret", "abc", ""]);
    tail.push("x topsecret y abc\nAuthorization: bearer xyz123\napi_key=k1 password: p2 hf_1234567890abc\nunfinished topsecret");
    expect(tail.text()).toBe(
      "x <redacted> y abc\nAuthorization: bearer <redacted>\napi_key=<redacted> password: <redacted> <redacted>\nunfinished <redacted>",
    );
  });
});

describe("resolveCommand", () => {
  test("an absolute path is used only if it is an executable file; relative paths are refused", () => {
    const dir = makeTempDir("inferrs-cmd-");
    const plain = join(dir, "plain");
    writeFileSync(plain, "");
    expect(resolveCommand(inferrsBin)).toBe(inferrsBin);
    expect(resolveCommand(plain)).toBeUndefined();
    expect(resolveCommand(dir)).toBeUndefined();
    expect(resolveCommand("/nonexistent/inferrs")).toBeUndefined();
    expect(resolveCommand("tools/bin/inferrs", { PATH: projectDir })).toBeUndefined();
  });

  test("a bare name is looked up on the given PATH, first match wins, relative PATH entries are skipped", () => {
    const first = makeTempDir("inferrs-path-");
    const second = makeTempDir("inferrs-path-");
    mkdirSync(join(first, "inferrs")); // a directory, not a command
    const found = executable(join(second, "inferrs"), "#!/bin/sh\n");
    expect(resolveCommand("inferrs", { PATH: ["", "tools/bin", first, second, binDir].join(delimiter) })).toBe(found);
    expect(resolveCommand("inferrs", { PATH: first })).toBeUndefined();
    expect(resolveCommand("inferrs", {})).toBeUndefined();
  });
});

describe("resolveDevice", () => {
  const devices = (...paths: string[]) => (path: string) => paths.includes(path);

  test("an explicit device is kept; auto is metal on Apple silicon and cpu elsewhere without a GPU driver", () => {
    expect(resolveDevice("cuda", { platform: "linux", arch: "x64" })).toBe("cuda");
    expect(resolveDevice("rocm", { platform: "linux", arch: "x64", exists: devices() })).toBe("rocm");
    expect(resolveDevice("cpu", { platform: "darwin", arch: "arm64" })).toBe("cpu");
    expect(resolveDevice("auto", { platform: "darwin", arch: "arm64" })).toBe("metal");
    expect(resolveDevice("auto", { platform: "darwin", arch: "x64" })).toBe("cpu");
    expect(resolveDevice("auto", { platform: "win32", arch: "x64", exists: devices("/dev/kfd") })).toBe("cpu");
    expect(resolveDevice("auto", { platform: "linux", arch: "x64", exists: devices() })).toBe("cpu");
  });

  test("auto on Linux is cuda with an NVIDIA driver, else rocm where /dev/kfd exists", () => {
    const linux = (exists: (path: string) => boolean) => resolveDevice("auto", { platform: "linux", arch: "x64", exists });
    expect(linux(devices("/dev/nvidiactl"))).toBe("cuda");
    expect(linux(devices("/proc/driver/nvidia/version"))).toBe("cuda");
    expect(linux(devices("/dev/kfd"))).toBe("rocm");
    expect(linux(devices("/dev/kfd", "/dev/nvidiactl"))).toBe("cuda");
  });
});

describe("probe and readiness", () => {
  /** An HTTP server whose every answer has the status set last. */
  async function statusServer(): Promise<{ origin: string; answer(status: number): void }> {
    let status = 503;
    const port = await freePort();
    await listen(
      createHttpServer((_request, response) => {
        response.statusCode = status;
        response.end();
      }),
      port,
    );
    return { origin: `http://127.0.0.1:${port}`, answer: (next) => (status = next) };
  }

  test("/health status → loading, failed, ok, not inferrs; a closed port → down", async () => {
    const { origin, answer } = await statusServer();
    const seen = [];
    for (const status of [503, 500, 200, 404]) {
      answer(status);
      seen.push(await probeHealth(origin));
    }
    expect(seen).toEqual([{ kind: "loading" }, { kind: "failed" }, { kind: "ok" }, { kind: "foreign-http", status: 404 }]);
    expect(await probeHealth(`http://127.0.0.1:${await freePort()}`)).toEqual({ kind: "down", reason: "connection refused" });
  });

  test("waitForHealth resolves when /health turns 200, and gives up with NotReadyError at the timeout", async () => {
    const { origin, answer } = await statusServer();
    const began = Date.now();
    await expect(waitForHealth(origin, 300)).rejects.toBeInstanceOf(NotReadyError);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);

    const ready = waitForHealth(origin, 5000);
    answer(200);
    expect(await ready).toBe("ok");
    answer(500);
    expect(await waitForHealth(origin, 5000)).toBe("failed");

    const abort = new AbortController();
    answer(503);
    const aborted = waitForHealth(origin, 5000, abort.signal);
    abort.abort(new Error("exited"));
    await expect(aborted).rejects.toThrow("exited");
  });

  test("sameModel matches exactly or without the org prefix, like inferrs", () => {
    expect(sameModel(A, A)).toBe(true);
    expect(sameModel(A, "gemma-4-E2B-it")).toBe(true);
    expect(sameModel("gemma-4-E2B-it", A)).toBe(true);
    expect(sameModel(A, B)).toBe(false);
    expect(sameModel(A, "other/gemma-4-E2B-it")).toBe(false);
  });
});

describe("pid records", () => {
  test("are kept per port under the state dir, read back, and removed only for the pid they describe", () => {
    const dir = makeTempDir("inferrs-state-");
    expect(defaultStateDir({ OPENCLAW_STATE_DIR: dir })).toBe(dir);
    expect(defaultStateDir({ HOME: "/home/u" })).toBe("/home/u/.openclaw");
    const file = recordPath(dir, 8080);
    expect(file).toBe(join(dir, "plugins", "inferrs", "server-8080.json"));

    const record: PidRecord = { pid: 12345, ownerPid: 678, command: inferrsBin, port: 8080, model: A, startedAt: 1 };
    writeRecord(file, record);
    expect(readRecord(file)).toEqual(record);
    removeRecord(file, 999);
    expect(existsSync(file)).toBe(true);
    removeRecord(file, 12345);
    expect(existsSync(file)).toBe(false);

    writeFileSync(file, "{not json");
    expect(readRecord(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ pid: "1", ownerPid: 2 }));
    expect(readRecord(file)).toBeUndefined();
  });

  test("a record matches only a live `serve` process on the recorded port", async () => {
    const live = sleeper();
    const base = { ownerPid: 1, command: inferrsBin, port: 8080, model: A, startedAt: 1 };
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(await deadPid())).toBe(false);
    expect(matchesRecord({ ...base, pid: await deadPid() })).toBe(false);
    expect(matchesRecord({ ...base, pid: live.pid! })).toBe(false);
    expect(matchesRecord({ ...base, pid: process.pid })).toBe(false);
  });

  test("whyNoAutoStart: a non-loopback baseUrl is never started", () => {
    const config = resolveConfig({ baseUrl: "http://192.0.2.10:8080/v1" });
    expect(whyNoAutoStart(config, inferrsBin)).toBe("baseUrl http://192.0.2.10:8080/v1 is not a loopback address");
    expect(whyNoAutoStart(resolveConfig({}), inferrsBin)).toBeUndefined();
  });
});

