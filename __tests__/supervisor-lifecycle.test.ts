// Crashes, stop() and registrations: no server outlives its supervisor.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ServerProcess } from "../src/service/server-process.ts";
import { readRecord } from "../src/service/pid-record.ts";
import { signalGroup } from "../src/service/server-process.ts";
import { resolveConfig } from "../src/config/resolve.ts";
import { freePort, inferrsBin, makeTempDir } from "./support/emulator.ts";
import { A, requestLogs, extraPids, cleanups, processesWithEnv, baseEnv, rig, isGone, waitFor, waitGone, healthStatus, ownedPid, executable, useHarness } from "./support/supervisor-rig.ts";

useHarness();

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
    expect(Date.now() - began).toBeLessThan(300 + 2000 + 5000); // grace, then the wait after SIGKILL: it settles
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

describe("config edits in a running gateway", () => {
  test("an idleStopMs edited while the server runs applies from its next lease, to the same server", async () => {
    const r = await rig({ service: { idleStopMs: 600_000 } });
    (await r.sup.acquire(A, r.config)).release();
    const pid = ownedPid(r.sup);

    const edited = resolveConfig({ ...r.raw, service: { ...(r.raw.service as object), idleStopMs: 300 } });
    const lease = await r.sup.acquire(A, edited);
    expect(ownedPid(r.sup)).toBe(pid); // the same server, not a restart
    const releasedAt = Date.now();
    lease.release();
    expect(await waitGone(pid)).toBe(true);
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(300 - 5);
    expect(r.sup.status()).toMatchObject({ spawns: 1, servers: [] });
  });
});
