// Starting servers on demand, leases and idle stop, switching models, and the model pool.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { processStartTime, readRecord, recordPath } from "../src/service/pid-record.ts";
import type { LoadProgress } from "../src/inferrs/server/load-progress.ts";
import { freePort, inferrsBin } from "./support/emulator.ts";
import { A, B, binDir, type Rig, rig, logLines, starts, isGone, waitFor, waitGone, sleep, settledFlag, healthStatus, servedModel, ownedPid, useHarness } from "./support/supervisor-rig.ts";

useHarness();

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
      ownerStart: processStartTime(process.pid),
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

  test("polls /health while the model loads and grants the lease at the first poll that sees it ready", async () => {
    const loadMs = 1000;
    const r = await rig({ env: { INFERRS_EMU_LOAD_MS: String(loadMs) } });
    const lease = await r.sup.acquire(A, r.config);
    const granted = Date.now();

    // Times are the emulator's own (its start line, and when each /health poll reached it), so
    // node's start-up time does not count; how fast the polls come depends on the machine's load.
    const startedAt = Date.parse(starts(r.log)[0].time);
    const polls = logLines(r.log)
      .filter((line) => line.event === "request" && line.path === "/health")
      .map((line) => Date.parse(line.time as string));
    expect(polls.filter((time) => time < startedAt + loadMs).length).toBeGreaterThanOrEqual(3); // polled while loading
    expect(polls.at(-1)!).toBeGreaterThanOrEqual(startedAt + loadMs); // the last poll saw it loaded
    expect(polls.every((time) => time <= granted)).toBe(true); // no poll after the lease
    expect(granted - startedAt).toBeGreaterThanOrEqual(loadMs);
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
    expect(r.sup.status().waiting).toBe(1); // B queued, and A chosen to make room, before A is asked for
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
