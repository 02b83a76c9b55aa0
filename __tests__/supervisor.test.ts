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
import { lookUpCommand, resolveCommand } from "../src/service/command.ts";
import { resolveDevice } from "../src/inferrs/server/device.ts";
import { InferrsServiceError, whyNoAutoStart } from "../src/inferrs/server/errors.ts";
import { MAX_LINE_BYTES, MAX_LINES, MAX_TAIL_BYTES, OutputTail } from "../src/service/output-tail.ts";
import { configSecrets, maskSecrets } from "../src/secrets.ts";
import { modelIdProblem, isListableModelId } from "../src/inferrs/model-id.ts";
import { ServerProcess } from "../src/service/server-process.ts";
import { collectStatus } from "../src/inferrs/cli/status.ts";
import {
  isAlive,
  matchesRecord,
  type PidRecord,
  processStartTime,
  reapOrphan,
  readRecord,
  recordPath,
  removeRecord,
  stateDir as defaultStateDir,
  writeRecord,
} from "../src/service/pid-record.ts";
import type { LoadProgress } from "../src/inferrs/server/load-progress.ts";
import { probeHealth, sameModel } from "../src/inferrs/server/probe.ts";
import { NotReadyError, waitForHealth } from "../src/inferrs/server/readiness.ts";
import { signalGroup } from "../src/service/server-process.ts";
import { Supervisor } from "../src/inferrs/pool/supervisor.ts";
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
  const owned = sup.status().servers[0];
  if (!owned) throw new Error("the supervisor owns no running server");
  return owned.pid;
}

/** The argv startEmulator gives a server (`serve --host 127.0.0.1 --port <port> <model>`). */
function emulatorArgv(port: number, model: string): string[] {
  return ["serve", "--host", "127.0.0.1", "--port", String(port), model];
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
  test("spawns `inferrs serve --host --port --device <args> -- <model>` from PATH, waits for /health 200, then grants the lease", async () => {
    const r = await rig({ service: { args: ["--max-seq-len", "4096"] } });
    const lease = await r.sup.acquire(A, r.config);

    const [start, ...more] = starts(r.log);
    expect(more).toEqual([]);
    expect(start.argv).toEqual(["serve", "--host", "127.0.0.1", "--port", String(r.port), "--device", "cpu", "--max-seq-len", "4096", "--", A]);
    expect(await healthStatus(r.origin)).toBe(200);
    expect(await servedModel(r.origin)).toBe(A);
    // The supervisor waited for readiness itself: its last /health poll before the lease said 200.
    expect(logLines(r.log).some((line) => line.event === "request" && line.path === "/health")).toBe(true);

    expect(r.sup.status()).toEqual({
      servers: [
        {
          model: A,
          port: r.port,
          pid: start.pid,
          state: "ready",
          embedding: false,
          inflight: 1,
          idleMs: null,
          uptimeMs: expect.any(Number),
          command: join(binDir, "inferrs"),
          args: start.argv,
        },
      ],
      waiting: 0,
      spawns: 1,
    });
    // The real process, in its own process group (so stop() can signal the group).
    const stat = readFileSync(`/proc/${start.pid}/stat`, "utf8").replace(/^[\s\S]*\) /, "").split(" ");
    expect(Number(stat[2])).toBe(start.pid);
    expect(readRecord(r.recordFile)).toEqual({
      pid: start.pid,
      ownerPid: process.pid,
      command: join(binDir, "inferrs"),
      args: start.argv,
      port: r.port,
      model: A,
      startedAt: expect.any(Number),
      processStart: processStartTime(start.pid),
      embedding: false,
      state: "ready",
      inflight: 1,
      lastUsedAt: expect.any(Number),
    });
    expect(readRecord(r.recordFile)?.processStart).toMatch(/^\d+$/);

    lease.release();
    lease.release(); // idempotent
    expect(r.sup.status().servers[0]?.inflight).toBe(0);
    await r.sup.stop();
    expect(isGone(start.pid)).toBe(true);
  });

  test("ten concurrent acquire() calls for one model spawn exactly one server (absolute service.command)", async () => {
    const r = await rig({ service: { command: inferrsBin, autoStart: true }, emulatorOnPath: false });
    const leases = await Promise.all(Array.from({ length: 10 }, () => r.sup.acquire(A, r.config)));

    expect(r.sup.status()).toMatchObject({ spawns: 1, servers: [{ model: A, command: inferrsBin, inflight: 10 }] });
    expect(starts(r.log)).toHaveLength(1);
    for (const lease of leases) lease.release();
    expect(r.sup.status().servers[0]?.inflight).toBe(0);
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
    expect(r.sup.status()).toMatchObject({ spawns: 2, servers: [{ model: A }] });
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
    expect(r.sup.status().servers[0]?.pid).toBe(pid);

    const releasedAt = Date.now();
    second.release();
    expect(await waitGone(pid)).toBe(true);
    const stoppedAfter = Date.now() - releasedAt;
    expect(stoppedAfter).toBeGreaterThanOrEqual(idleStopMs - 5);
    expect(stoppedAfter).toBeLessThan(idleStopMs + 1500);
    expect(r.sup.status().servers).toEqual([]);
    expect(await waitFor(() => !existsSync(r.recordFile))).toBe(true);

    // An idle-stopped server is started again on demand.
    const again = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 2, servers: [{ model: A, inflight: 1 }] });
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
    expect(r.sup.status().servers[0]?.pid).toBe(pid);
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
    expect(r.sup.status()).toMatchObject({ spawns: 1, servers: [{ pid: pidA, model: A }] });
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
    expect(r.sup.status()).toMatchObject({ spawns: 2, servers: [{ model: B, inflight: 1 }] });
    expect(readRecord(r.recordFile)).toMatchObject({ pid: pidB, model: B });
    leaseB.release();
  });
});

describe("the model pool (service.maxServers)", () => {
  const C = "Qwen/Qwen3.5-0.8B";
  /** The rig's config plus plugin keys, resolved like the host's. */
  const withConfig = (r: Rig, extra: Record<string, unknown>) => resolveConfig({ ...r.raw, ...extra });

  test("alternating requests over two models start each once, on two servers that run at once", async () => {
    const r = await rig({ service: { maxServers: 2 } });
    const leases = [];
    for (const model of [A, B, A, B, A]) {
      const lease = await r.sup.acquire(model, r.config);
      leases.push({ model, baseUrl: lease.baseUrl });
      lease.release();
    }
    const started = starts(r.log);
    expect(started.map((start) => start.model)).toEqual([A, B]);
    expect(started[0]!.port).toBe(r.port); // the first server uses baseUrl's port
    expect(started[1]!.port).not.toBe(r.port);
    for (const start of started) expect(isGone(start.pid)).toBe(false);
    expect(leases.filter((l) => l.model === A).map((l) => l.baseUrl)).toEqual(Array(3).fill(`http://127.0.0.1:${r.port}/v1`));
    expect(new Set(leases.filter((l) => l.model === B).map((l) => l.baseUrl))).toEqual(
      new Set([`http://127.0.0.1:${started[1]!.port}/v1`]),
    );
    expect(await servedModel(`http://127.0.0.1:${started[1]!.port}`)).toBe(B);
    expect(r.sup.status().servers.map((server) => [server.model, server.state])).toEqual([
      [A, "ready"],
      [B, "ready"],
    ]);
    // Each has its pid record, for reaping after a killed OpenClaw.
    expect(readRecord(recordPath(r.stateDir, started[1]!.port))).toMatchObject({ pid: started[1]!.pid, model: B });
  });

  test("a model's own args reach only its server, replacing the same flag of service.args", async () => {
    const r = await rig({ service: { maxServers: 2, args: ["--max-seq-len", "8192", "--max-tokens", "512"] } });
    const config = withConfig(r, { models: { [B]: { args: ["--max-seq-len", "2048"], env: { INFERRS_EMU_ANSWER: "b" } } } });
    (await r.sup.acquire(A, config)).release();
    (await r.sup.acquire(B, config)).release();
    const [a, b] = starts(r.log);
    expect(a!.argv.slice(-6)).toEqual(["--max-seq-len", "8192", "--max-tokens", "512", "--", A]);
    expect(b!.argv.slice(-6)).toEqual(["--max-tokens", "512", "--max-seq-len", "2048", "--", B]);
    expect(a!.argv).not.toContain("2048");
  });

  test("a full pool stops the least recently used idle server for a new model, never a busy one", async () => {
    const r = await rig({ service: { maxServers: 2 } });
    (await r.sup.acquire(A, r.config)).release();
    const busyB = await r.sup.acquire(B, r.config);
    const [pidA, pidB] = starts(r.log).map((start) => start.pid);

    const leaseC = await r.sup.acquire(C, r.config);
    expect(await waitGone(pidA!)).toBe(true); // A: idle and least recently used
    expect(isGone(pidB!)).toBe(false); // B: busy, never stopped
    expect(r.sup.status().servers.map((server) => server.model).sort()).toEqual([B, C].sort());

    // Now both are busy: a fourth model waits until one is released, then takes its place.
    const pendingA = r.sup.acquire(A, r.config);
    const flag = settledFlag(pendingA);
    await sleep(300);
    expect(flag.settled).toBe(false);
    busyB.release();
    const leaseA = await pendingA;
    expect(await waitGone(pidB!)).toBe(true);
    leaseA.release();
    leaseC.release();
  });

  test("with one server, waiting requests are grouped by model: A B A B is served A A B B, with two swaps", async () => {
    const r = await rig();
    const busy = await r.sup.acquire(C, r.config);
    const order: string[] = [];
    const pending = [A, B, A, B].map((model) =>
      r.sup.acquire(model, r.config).then((lease) => {
        order.push(model);
        return lease;
      }),
    );
    busy.release();
    const [a1, a2] = await Promise.all(pending.filter((_, i) => i % 2 === 0));
    expect(order).toEqual([A, A]);
    a1!.release();
    a2!.release();
    const [b1, b2] = await Promise.all(pending.filter((_, i) => i % 2 === 1));
    expect(order).toEqual([A, A, B, B]);
    expect(starts(r.log).map((start) => start.model)).toEqual([C, A, B]);
    b1!.release();
    b2!.release();
  });

  test("a model waits for at most one swap: requests for the server being swapped out queue behind it", async () => {
    const r = await rig();
    const a1 = await r.sup.acquire(A, r.config);
    const order: string[] = [];
    const pendingB = r.sup.acquire(B, r.config).then((lease) => (order.push(B), lease));
    await sleep(50);
    const pendingA = r.sup.acquire(A, r.config).then((lease) => (order.push(A), lease));
    await sleep(200);
    expect(order).toEqual([]); // A is draining for B: no new lease on it
    a1.release();
    (await pendingB).release();
    (await pendingA).release();
    expect(order).toEqual([B, A]);
    expect(starts(r.log).map((start) => start.model)).toEqual([A, B, A]);
  });

  test("the embedding server has its own slot outside maxServers: it never swaps the chat model out", async () => {
    const r = await rig();
    const chat = await r.sup.acquire(A, r.config);
    const embed = await r.sup.acquire(B, r.config, { embedding: true });
    expect(embed.baseUrl).not.toBe(chat.baseUrl);
    const servers = r.sup.status().servers;
    expect(servers.map((server) => [server.model, server.embedding])).toEqual([
      [A, false],
      [B, true],
    ]);
    expect(servers.every((server) => !isGone(server.pid))).toBe(true);
    chat.release();
    embed.release();
  });

  test("service.preload starts its models in the background; the first request then starts nothing", async () => {
    const r = await rig({ service: { maxServers: 2, preload: [A, B] } });
    r.sup.preload(r.config);
    expect(await waitFor(() => r.sup.status().servers.filter((server) => server.state === "ready").length === 2, 20_000)).toBe(true);
    const lease = await r.sup.acquire(B, r.config);
    expect(r.sup.status().spawns).toBe(2);
    lease.release();
  });

  test("a start of a few seconds is reported while it runs: phase, elapsed time, then how long it took", async () => {
    const r = await rig({ env: { INFERRS_EMU_LOAD_MS: "4500" } });
    const logged: string[] = [];
    r.sup.logger = { info: (line) => logged.push(line), warn: (line) => logged.push(line) };
    const events: LoadProgress[] = [];
    const lease = await r.sup.acquire(A, r.config, { onProgress: (progress) => events.push(progress) });
    lease.release();
    expect(logged[0]).toBe(`inferrs: starting ${A} on port ${r.port}`);
    const ticks = logged.slice(1, -1);
    expect(ticks.length).toBeGreaterThanOrEqual(1);
    for (const line of ticks) expect(line).toMatch(new RegExp(`^inferrs: loading ${A} on port ${r.port}: (starting|download|quantize|load), \\d+\\.\\d s$`));
    expect(logged.at(-1)).toMatch(new RegExp(`^inferrs: ${A} ready on port ${r.port} after \\d+\\.\\d s$`));
    expect(events.map((event) => event.phase)).toContain("ready");
    expect(events.at(-1)!.elapsedMs).toBeGreaterThanOrEqual(4500);
  });
});

describe("servers OpenClaw did not start", () => {
  test("a foreign server serving the selected model is used as is: no spawn, and stop() leaves it running", async () => {
    const port = await freePort();
    const foreign = await startEmulator({ model: A, port, hfHome });
    const r = await rig({ port });

    const lease = await r.sup.acquire(A, r.config);
    const byBareName = await r.sup.acquire("gemma-4-E2B-it", r.config); // inferrs matches without the org
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 0 });
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
    expect(error.message).toContain("that server was not started by OpenClaw (you run it), so OpenClaw will not stop it.");
    expect(error.message).toContain(`Select inferrs/${A}, or stop that server`);
    expect(error.message).toContain(`\`inferrs serve ${B} --host 127.0.0.1 --port ${port}\``);
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 0 });

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
    expect(error.message).toContain("reports a failed model load (/health 500), and that server was not started by OpenClaw (you run it)");
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
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 1 });
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
    expect(r.sup.status().servers).toEqual([]);
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
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 1 });
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
      `the command "/nonexistent/bin/inferrs" does not exist; install inferrs or set ${CONFIG}.service.command to its absolute path`,
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
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 1 });
    expect(existsSync(r.recordFile)).toBe(false);
  });

  test("an unknown flag in service.args: inferrs' usage error, and the error points at service.args", async () => {
    const r = await rig({ service: { args: ["--no-such-flag"] } });
    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain(`inferrs exited while starting ${A} (exit code 2). Check ${CONFIG}.service.args.`);
    expect(error.message).toContain("error: unexpected argument '--no-such-flag' found");
    expect(r.sup.status().servers).toEqual([]);
  });
});

describe("crashes, stop and registrations", () => {
  test("an unwritable state dir does not leak the server: it is still ours, used, and stopped", async () => {
    const dir = makeTempDir("inferrs-state-");
    writeFileSync(join(dir, "not-a-dir"), "");
    const r = await rig({ stateDir: join(dir, "not-a-dir", "state") }); // mkdir fails with ENOTDIR
    const lease = await r.sup.acquire(A, r.config);
    const pid = ownedPid(r.sup);
    expect(r.sup.status()).toMatchObject({ spawns: 1, servers: [{ model: A, inflight: 1 }] });
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
    expect(await first.serverExit(5000)).toBe("killed by SIGKILL");
    expect(isGone(pid1)).toBe(true);

    const second = await r.sup.acquire(A, r.config);
    const pid2 = ownedPid(r.sup);
    expect(pid2).not.toBe(pid1);
    expect(r.sup.status()).toMatchObject({ spawns: 2, servers: [{ pid: pid2, inflight: 1 }] });
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
    expect(r.sup.status().servers).toEqual([]);
  });

  test("stop() settles when the server and its group members ignore SIGTERM, with nothing else keeping the loop alive (case 5)", async () => {
    const dir = makeTempDir("inferrs-stubborn-");
    const log = join(dir, "requests.jsonl");
    requestLogs.push(log);
    const env = { ...baseEnv(), INFERRS_EMU_IGNORE_SIGTERM: "1", INFERRS_EMU_GROUP_MEMBERS: "3", INFERRS_EMU_REQUEST_LOG: log, INFERRS_EMU_LOAD_MS: "600000" };
    // Plus a worker that left the group (its own session) and keeps the server's output pipes open.
    const escapedPidFile = join(dir, "escaped.pid");
    const command = executable(join(dir, "inferrs"), `#!/bin/sh\nsetsid sleep 30 &\necho $! > "${escapedPidFile}"\nexec "${inferrsBin}" "$@"\n`);
    const port = await freePort();
    const proc = await ServerProcess.spawn(command, ["serve", "--host", "127.0.0.1", "--port", String(port), "--", A], env as Record<string, string>, []);
    await waitFor(() => proc.output.text().includes("Server listening on"), 20_000);
    const escaped = Number(readFileSync(escapedPidFile, "utf8"));
    cleanups.push(() => signalGroup(escaped, "SIGKILL"));
    extraPids.push(escaped);
    const began = Date.now();
    await proc.stop(300);
    expect(Date.now() - began).toBeLessThan(300 + 2000 + 500);
    expect(proc.running).toBe(false);
    expect(proc.exit).toEqual({ code: undefined, signal: "SIGKILL" });
    // The whole group is gone; only the escaped worker remains (killed after the test).
    expect(await waitFor(() => processesWithEnv([`INFERRS_EMU_REQUEST_LOG=${log}`]).every((pid) => pid === escaped), 3000)).toBe(true);
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
    expect(r.sup.status().servers[0]?.pid).toBe(pid);

    await detachSecond();
    expect(isGone(pid)).toBe(true);
    expect(r.sup.status().servers).toEqual([]);
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
      command: inferrsBin,
      args: emulatorArgv(port, A),
      port,
      model: A,
      startedAt: Date.now(),
      processStart: processStartTime(orphan.proc.pid!),
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
        `process.stdout.write(sup.status().servers[0]!.pid + "\\n");\n` +
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
    const record: PidRecord = {
      pid: other.proc.pid!,
      ownerPid: owner.pid!,
      command: inferrsBin,
      args: emulatorArgv(port, A),
      port,
      model: A,
      startedAt: Date.now(),
      processStart: processStartTime(other.proc.pid!),
    };
    writeRecord(r.recordFile, record);

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 0, servers: [] });
    expect(isGone(other.proc.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toEqual(record);
    lease.release();
  });

  test("a record whose pid now runs a server the user started with the same command and port is never signalled (case 9)", async () => {
    const port = await freePort();
    const user = await startEmulator({ model: A, port, hfHome });
    const r = await rig({ port });
    const record: PidRecord = {
      pid: user.proc.pid!,
      ownerPid: await deadPid(),
      command: inferrsBin,
      args: emulatorArgv(port, A),
      port,
      model: A,
      startedAt: Date.now() - 60_000,
      processStart: "1", // the recorded server started at another time: this is not it
    };
    writeRecord(r.recordFile, record);
    expect(reapOrphan(r.recordFile)).toBe(false);
    expect(existsSync(r.recordFile)).toBe(false);

    // A record from before start times were kept is dropped the same way, never acted on.
    writeRecord(r.recordFile, { ...record, processStart: undefined });
    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 0, servers: [] });
    expect(isGone(user.proc.pid!)).toBe(false);
    expect(existsSync(r.recordFile)).toBe(false);
    lease.release();
  });

  test("status tells who started the server: an orphan, another OpenClaw process, or the user", async () => {
    const port = await freePort();
    const server = await startEmulator({ model: A, port, hfHome });
    await server.waitForHealth(200);
    const r = await rig({ port });
    const servers = async () => (await collectStatus(r.config, baseEnv(), r.stateDir)).servers;
    expect(await servers()).toMatchObject([{ model: A, port, startedBy: "user" }]);
    const record: PidRecord = {
      pid: server.proc.pid!,
      ownerPid: await deadPid(),
      command: inferrsBin,
      args: emulatorArgv(port, A),
      port,
      model: A,
      startedAt: Date.now(),
      processStart: processStartTime(server.proc.pid!),
    };
    writeRecord(r.recordFile, record);
    expect(await servers()).toMatchObject([{ startedBy: "orphan", pid: server.proc.pid }]);
    writeRecord(r.recordFile, { ...record, ownerPid: sleeper().pid! });
    expect(await servers()).toMatchObject([{ startedBy: "other-openclaw", pid: server.proc.pid }]);
    const error = await errorOf(r.sup.acquire(B, r.config));
    expect(error.message).toContain(`that server was started by another OpenClaw process (pid ${readRecord(r.recordFile)!.ownerPid})`);
    await server.stop();
    expect(await servers()).toEqual([]);
  });

  test("a record whose pid now belongs to another program is dropped without signalling it (pid reuse)", async () => {
    const unrelated = sleeper();
    const r = await rig();
    writeRecord(r.recordFile, {
      pid: unrelated.pid!,
      ownerPid: await deadPid(),
      command: inferrsBin,
      args: emulatorArgv(r.port, A),
      port: r.port,
      model: A,
      startedAt: Date.now(),
      processStart: processStartTime(unrelated.pid!),
    });

    const lease = await r.sup.acquire(A, r.config);
    expect(isGone(unrelated.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toMatchObject({ pid: ownedPid(r.sup), ownerPid: process.pid });
    lease.release();
  });
});

describe("error output tails", () => {
  test("service.env values, the API key and token-looking values are masked in a failed load's output", async () => {
    const r = await rig({
      apiKey: "sk-local-9f8e7d6c",
      // A secret's variable name says nothing: every value of 6 characters or more is masked (case 8).
      service: { env: { MY_CREDS: "s3cr3t-value-1234", SHARD: "3" } },
      env: {
        INFERRS_EMU_LOAD_FAIL:
          "401 Unauthorized for s3cr3t-value-1234 (Authorization: Bearer sk-local-9f8e7d6c; hub token: hf_AbCdEfGh12345678) " +
          "on shard 3",
      },
    });
    const error = await errorOf(r.sup.acquire(A, r.config));

    expect(error.message).toContain("Model load failed: 401 Unauthorized for <redacted> (Authorization: Bearer <redacted> hub token: <redacted>");
    expect(error.message).toContain("on shard 3"); // values too short to be a secret stay readable
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

  test("masks given secrets and token-looking values", () => {
    const tail = new OutputTail(["topsecret", ""]);
    tail.push("x topsecret y abc\nAuthorization: bearer xyz123\napi_key=k1 password: p2 hf_1234567890abc\nunfinished topsecret");
    expect(tail.text()).toBe(
      "x <redacted> y abc\nAuthorization: bearer <redacted>\napi_key=<redacted> password: <redacted> <redacted>\nunfinished <redacted>",
    );
  });

  test("the secrets are the API key and every service.env value of 6 characters or more, whatever its name (case 8)", () => {
    const config = resolveConfig({ apiKey: "k3y", service: { env: { MY_CREDS: "hunter22", RUST_LOG: "info", CUDA_VISIBLE_DEVICES: "0" } } });
    expect(configSecrets(config)).toEqual(["k3y", "hunter22"]);
    expect(maskSecrets("creds hunter22 key k3y log info", configSecrets(config))).toBe("creds <redacted> key <redacted> log info");
  });

  test("is bounded in bytes: a line, an unfinished line and the whole tail (case 6)", () => {
    const tail = new OutputTail(["s3cr3t-across-the-cut"]);
    // 3 MB without a newline, in 64 KB chunks as a pipe delivers them.
    const chunk = "x".repeat(64 * 1024);
    for (let i = 0; i < 48; i++) tail.push(chunk);
    const unfinished = tail.text();
    expect(Buffer.byteLength(unfinished)).toBeLessThan(MAX_LINE_BYTES + 64);
    expect(unfinished).toMatch(new RegExp(`^x{${MAX_LINE_BYTES}} … \\(${48 * 64 * 1024 - MAX_LINE_BYTES} more bytes\\)$`));

    // A secret across the cut is masked before the line is cut: no prefix of it is shown.
    tail.push(`\n${"y".repeat(MAX_LINE_BYTES - 5)}s3cr3t-across-the-cut and more\n`);
    expect(tail.text(1)).toBe(`${"y".repeat(MAX_LINE_BYTES - 5)}<reda … (${"cted> and more".length} more bytes)`);
    expect(tail.text()).not.toContain("s3cr3");

    for (let i = 0; i < 100; i++) tail.push(`${"z".repeat(5000)}\n`);
    expect(Buffer.byteLength(tail.text(MAX_LINES))).toBeLessThanOrEqual(MAX_TAIL_BYTES);
  });
});

describe("model ids (case 2)", () => {
  test("flag-like ids and ids with control characters are always refused; path-like ones unless named under models", () => {
    const none = resolveConfig({});
    expect(modelIdProblem(A, none)).toBeUndefined();
    expect(modelIdProblem("Qwen/Qwen3.5-0.8B", none)).toBeUndefined();
    expect(modelIdProblem("--help", none)).toBe(
      'The model id "--help" starts with "-", so inferrs would read it as a flag; select an inferrs/<org>/<model> id such as inferrs/google/gemma-4-E2B-it.',
    );
    expect(modelIdProblem("a\u0007b", none)).toContain("contains control characters");
    for (const path of ["/etc/passwd", "../../etc", "./model", "org/../x", "~/models/x", "C:\\models"]) {
      expect(modelIdProblem(path, none)).toContain("is a local path, and inferrs would load whatever that path holds");
    }
    const named = resolveConfig({ models: { "/srv/models/gemma": {}, "--x": {} } });
    expect(modelIdProblem("/srv/models/gemma", named)).toBeUndefined();
    expect(modelIdProblem("--x", named)).toContain('starts with "-"');
    expect(["-x", "/a", "a/../b", "ok\n", A].filter(isListableModelId)).toEqual([A]);
  });

  test("acquire() refuses them before anything is spawned; a named local path goes after `--`", async () => {
    const r = await rig();
    for (const id of ["--max-seq-len=1", "../../etc"]) {
      const error = await errorOf(r.sup.acquire(id, r.config));
      expect(error.message).toMatch(/^The model id /);
    }
    expect(r.sup.status().spawns).toBe(0);
    expect(starts(r.log)).toEqual([]);
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

  test("each unusable command gets its own reason (case 10)", () => {
    const dir = makeTempDir("inferrs-cmd-");
    const plain = join(dir, "plain");
    writeFileSync(plain, "");
    expect(lookUpCommand("tools/bin/inferrs")).toEqual({ problem: "relative" });
    expect(lookUpCommand(plain)).toEqual({ problem: "not-executable" });
    expect(lookUpCommand(dir)).toEqual({ problem: "not-a-file" });
    expect(lookUpCommand("/nonexistent/inferrs")).toEqual({ problem: "not-found" });
    expect(lookUpCommand("inferrs", { PATH: dir })).toEqual({ problem: "not-on-path" });
    const config = (command: string) => resolveConfig({ service: { command } });
    expect(whyNoAutoStart(config("tools/bin/inferrs"), lookUpCommand("tools/bin/inferrs"))).toBe(
      `the command "tools/bin/inferrs" is a relative path, which would depend on the working directory; set ${CONFIG}.service.command to an absolute path or a bare name on PATH`,
    );
    expect(whyNoAutoStart(config(plain), lookUpCommand(plain))).toBe(
      `the command ${JSON.stringify(plain)} is not executable by this user; run \`chmod +x ${plain}\` or set ${CONFIG}.service.command to the inferrs executable`,
    );
    expect(whyNoAutoStart(config(dir), lookUpCommand(dir))).toContain("is a directory, not an executable file");
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

    const record: PidRecord = {
      pid: 12345,
      ownerPid: 678,
      command: inferrsBin,
      args: emulatorArgv(8080, A),
      port: 8080,
      model: A,
      startedAt: 1,
      processStart: "42",
    };
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
    const base = { ownerPid: 1, command: inferrsBin, args: emulatorArgv(8080, A), port: 8080, model: A, startedAt: 1, processStart: "1" };
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(await deadPid())).toBe(false);
    expect(matchesRecord({ ...base, pid: await deadPid() })).toBe(false);
    expect(matchesRecord({ ...base, pid: live.pid! })).toBe(false);
    expect(matchesRecord({ ...base, pid: process.pid })).toBe(false);
  });

  test("whyNoAutoStart: a non-loopback baseUrl is never started", () => {
    const config = resolveConfig({ baseUrl: "http://192.0.2.10:8080/v1" });
    expect(whyNoAutoStart(config, { path: inferrsBin })).toBe("baseUrl http://192.0.2.10:8080/v1 is not a loopback address");
    expect(whyNoAutoStart(resolveConfig({}), { path: inferrsBin })).toBeUndefined();
  });
});

