// Pid records and the orphans of a killed OpenClaw: reaped when provably ours, never anything else.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { resolveConfig } from "../src/config/resolve.ts";
import { whyNoAutoStart } from "../src/inferrs/server/errors.ts";
import { collectStatus } from "../src/inferrs/cli/status.ts";
import { resolveCommand } from "../src/service/command.ts";
import { stopOwnedServers } from "../src/service/owned-servers.ts";
import {
  isAlive,
  matchesRecord,
  MAX_RECORD_BYTES,
  type PidRecord,
  processStartTime,
  reapOrphan,
  readRecord,
  recordPath,
  recordWarnings,
  removeRecord,
  stateDir as defaultStateDir,
  writeRecord,
} from "../src/service/pid-record.ts";
import { freePort, inferrsBin, makeTempDir, projectDir, startEmulator } from "./support/emulator.ts";
import { A, B, node24, hfHome, extraPids, cleanups, baseEnv, rig, type Rig, starts, isGone, waitFor, waitGone, errorOf, healthStatus, ownedPid, emulatorArgv, deadPid, sleeper, useHarness } from "./support/supervisor-rig.ts";

/** The process's argv, as /proc shows it. */
function readArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
  } catch {
    return [];
  }
}

/** A record of the emulator serving A on `port`, as a supervisor writes it. */
function emulatorRecord(pid: number, port: number, ownerPid: number): PidRecord {
  return { pid, ownerPid, command: inferrsBin, args: emulatorArgv(port, A), port, model: A, startedAt: Date.now(), processStart: processStartTime(pid) };
}

useHarness();

describe("orphans of a killed OpenClaw", () => {
  test("a recorded server whose owner is dead is stopped, and the supervisor starts its own", async () => {
    const orphan = await startEmulator({ model: A, hfHome });
    const port = orphan.port;
    const r = await rig({ port });
    writeRecord(r.recordFile, emulatorRecord(orphan.proc.pid!, port, await deadPid()));

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status().spawns).toBe(1);
    expect(await waitGone(orphan.proc.pid!, 2000)).toBe(true);
    expect((await orphan.exited).signal).toMatch(/^SIG(TERM|KILL)$/);
    const pid = ownedPid(r.sup);
    expect(pid).not.toBe(orphan.proc.pid);
    expect(readRecord(r.recordFile)).toMatchObject({ pid, ownerPid: process.pid, model: A });
    lease.release();
  });

  /** Another OpenClaw: a node process whose supervisor acquires `model` (and prints its pid once it has the lease). */
  function ownerProcess(r: Rig, env: Record<string, string> = {}): ChildProcess {
    const script = join(makeTempDir("inferrs-owner-"), "owner.ts");
    const src = (path: string) => JSON.stringify(pathToFileURL(join(projectDir, "src", path)).href);
    writeFileSync(
      script,
      `import { resolveConfig } from ${src("config/resolve.ts")};\n` +
        `import { Supervisor } from ${src("inferrs/pool/supervisor.ts")};\n` +
        `const [stateDir, config, model] = process.argv.slice(2);\n` +
        `const sup = new Supervisor({ env: process.env, stateDir });\n` +
        `await sup.acquire(model, resolveConfig(JSON.parse(config)));\n` +
        `process.stdout.write(sup.status().servers[0]!.pid + "\\n");\n` +
        `setInterval(() => {}, 60_000);\n`,
    );
    const owner = spawn(node24, ["--disable-warning=ExperimentalWarning", script, r.stateDir, JSON.stringify(r.raw), A], {
      env: baseEnv(env),
      stdio: ["ignore", "pipe", "inherit"],
    });
    extraPids.push(owner.pid!);
    cleanups.push(() => owner.kill("SIGKILL"));
    return owner;
  }

  test("an OpenClaw killed with SIGKILL leaves its server behind; the next supervisor reaps it", async () => {
    const r = await rig();
    const owner = ownerProcess(r);
    const [line] = (await once(owner.stdout!, "data")) as [Buffer];
    const orphanPid = Number(line.toString().trim());
    expect(readRecord(r.recordFile)).toMatchObject({ pid: orphanPid, ownerPid: owner.pid, port: r.port, model: A });

    owner.kill("SIGKILL");
    await once(owner, "exit");
    expect(isGone(orphanPid)).toBe(false); // the server outlived its owner
    expect(await healthStatus(r.origin)).toBe(200);

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status().spawns).toBe(1);
    expect(await waitGone(orphanPid)).toBe(true);
    const pid = ownedPid(r.sup);
    expect(pid).not.toBe(orphanPid);
    expect(starts(r.log).map((start) => start.pid)).toEqual([orphanPid, pid]);
    lease.release();
  });

  test("an OpenClaw killed the moment its server exists (still loading, no lease yet) leaves a record, and the next acquire reaps that server", async () => {
    const r = await rig();
    const owner = ownerProcess(r, { INFERRS_EMU_LOAD_MS: "600000" }); // never ready: killed long before a lease
    // The earliest moment: the record is the first sign of the server outside the owner.
    expect(await waitFor(() => readRecord(r.recordFile)?.ownerPid === owner.pid, 30_000)).toBe(true);
    owner.kill("SIGKILL");
    await once(owner, "exit");
    const record = readRecord(r.recordFile)!;
    expect(record).toMatchObject({ ownerPid: owner.pid, port: r.port, model: A, state: "loading", inflight: 0 });
    expect(record.processStart).toMatch(/^\d+$/);
    extraPids.push(record.pid);
    expect(isGone(record.pid)).toBe(false);

    const lease = await r.sup.acquire(A, r.config);
    expect(await waitGone(record.pid)).toBe(true);
    expect(r.sup.status()).toMatchObject({ spawns: 1, servers: [{ model: A, port: r.port, state: "ready" }] });
    expect(readRecord(r.recordFile)).toMatchObject({ pid: ownedPid(r.sup), ownerPid: process.pid });
    lease.release();
  });

  test("a record whose owner is still alive is left alone: that server is not ours to stop", async () => {
    const other = await startEmulator({ model: A, hfHome });
    const port = other.port;
    const owner = sleeper();
    const r = await rig({ port });
    const record = emulatorRecord(other.proc.pid!, port, owner.pid!);
    writeRecord(r.recordFile, record);

    const lease = await r.sup.acquire(A, r.config);
    expect(r.sup.status()).toMatchObject({ spawns: 0, servers: [] });
    expect(isGone(other.proc.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toEqual(record);
    lease.release();
  });

  test("a record whose pid now runs a server the user started with the same command and port is never signalled (case 9)", async () => {
    const user = await startEmulator({ model: A, hfHome });
    const port = user.port;
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
    const server = await startEmulator({ model: A, hfHome });
    const port = server.port;
    await server.waitForHealth(200);
    const r = await rig({ port });
    const servers = async () => (await collectStatus(r.config, baseEnv(), r.stateDir)).servers;
    expect(await servers()).toMatchObject([{ model: A, port, startedBy: "user" }]);
    const record = emulatorRecord(server.proc.pid!, port, await deadPid());
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
    writeRecord(r.recordFile, emulatorRecord(unrelated.pid!, r.port, await deadPid()));

    const lease = await r.sup.acquire(A, r.config);
    expect(isGone(unrelated.pid!)).toBe(false);
    expect(readRecord(r.recordFile)).toMatchObject({ pid: ownedPid(r.sup), ownerPid: process.pid });
    lease.release();
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
    expect(readdirSync(dirname(file))).toEqual(["server-8080.json"]); // written whole, through a temp file
    removeRecord(file, 999);
    expect(existsSync(file)).toBe(true);
    removeRecord(file, 12345);
    expect(existsSync(file)).toBe(false);

    writeFileSync(file, "{not json");
    expect(readRecord(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ pid: "1", ownerPid: 2 }));
    expect(readRecord(file)).toBeUndefined();
  });

  test("a record matches only a live process with the recorded start time, argv and executable", async () => {
    const live = sleeper();
    const base = { ownerPid: 1, command: inferrsBin, args: emulatorArgv(8080, A), port: 8080, model: A, startedAt: 1, processStart: "1" };
    expect(isAlive(process.pid)).toBe(true);
    expect(isAlive(await deadPid())).toBe(false);
    expect(matchesRecord({ ...base, pid: await deadPid() })).toBe(false);
    expect(matchesRecord({ ...base, pid: live.pid! })).toBe(false);
    expect(matchesRecord({ ...base, pid: process.pid })).toBe(false);
    const sleep = { ...base, pid: live.pid!, args: ["60"], processStart: processStartTime(live.pid!) };
    expect(matchesRecord({ ...sleep, command: realpathSync(resolveCommand("sleep")!) })).toBe(true);
    expect(matchesRecord({ ...sleep, command: inferrsBin })).toBe(false); // another executable
  });

  test("a forged record naming a real python3 process whose argv was made to match (even argv[0]) never gets it signalled", async () => {
    const port = await freePort();
    const r = await rig({ port });
    const args = emulatorArgv(port, A);
    const python = execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim();
    // argv: [<the emulator's path>, -c, <sleep>, serve, --host, 127.0.0.1, --port, <port>, <model>]
    const forged = spawn("bash", ["-c", 'exec -a "$0" "$1" -c "import time; time.sleep(60)" "${@:2}"', inferrsBin, python, ...args], { stdio: "ignore" });
    extraPids.push(forged.pid!);
    cleanups.push(() => forged.kill("SIGKILL"));
    expect(await waitFor(() => readArgv(forged.pid!)[0] === inferrsBin)).toBe(true);
    expect(readArgv(forged.pid!).slice(-args.length)).toEqual(args);
    writeRecord(r.recordFile, emulatorRecord(forged.pid!, port, await deadPid()));

    expect(matchesRecord(readRecord(r.recordFile)!)).toBe(false);
    expect(await stopOwnedServers(r.stateDir)).toEqual([]); // `openclaw inferrs stop`
    expect(isGone(forged.pid!)).toBe(false);
    const lease = await r.sup.acquire(A, r.config); // orphan reaping
    expect(r.sup.status().spawns).toBe(1);
    expect(isGone(forged.pid!)).toBe(false);
    lease.release();
  });

  test("a FIFO, a symlink to /dev/zero, a directory or a huge file as a record is ignored, said once, and blocks nothing", async () => {
    const r = await rig();
    const dir = dirname(r.recordFile);
    mkdirSync(dir, { recursive: true });
    const file = (port: number) => recordPath(r.stateDir, port);
    execFileSync("mkfifo", [file(1)]);
    symlinkSync("/dev/zero", file(2));
    mkdirSync(file(3));
    writeFileSync(file(4), `{"pid": 1, "ownerPid": 1, "pad": "${"x".repeat(MAX_RECORD_BYTES)}"}`);
    execFileSync("mkfifo", [r.recordFile]); // where the supervisor writes its own record
    const warnings: string[] = [];
    const warn = recordWarnings.warn;
    recordWarnings.warn = (message) => warnings.push(message);
    cleanups.push(() => (recordWarnings.warn = warn));

    // `openclaw inferrs status` gathers the records: none of them is taken for a server.
    for (let i = 0; i < 2; i++) expect((await collectStatus(r.config, baseEnv(), r.stateDir)).servers).toEqual([]);
    expect(warnings.sort()).toEqual(
      [
        `Ignoring the pid record ${file(1)}: it is a FIFO, not a regular file`,
        `Ignoring the pid record ${file(2)}: it is a symbolic link`,
        `Ignoring the pid record ${file(3)}: it is a directory, not a regular file`,
        `Ignoring the pid record ${file(4)}: it is larger than ${MAX_RECORD_BYTES} bytes`,
        `Ignoring the pid record ${r.recordFile}: it is a FIFO, not a regular file`,
      ].sort(),
    );

    // A start reaps orphans through the same records, then writes its own over the FIFO.
    const lease = await r.sup.acquire(A, r.config);
    expect(readRecord(r.recordFile)).toMatchObject({ pid: ownedPid(r.sup), ownerPid: process.pid });
    expect(lstatSync(r.recordFile).isFile()).toBe(true);
    lease.release();
  });

  test("whyNoAutoStart: a non-loopback baseUrl is never started", () => {
    const config = resolveConfig({ baseUrl: "http://192.0.2.10:8080/v1" });
    expect(whyNoAutoStart(config, { path: inferrsBin })).toBe("baseUrl http://192.0.2.10:8080/v1 is not a loopback address");
    expect(whyNoAutoStart(resolveConfig({}), { path: inferrsBin })).toBeUndefined();
  });
});
