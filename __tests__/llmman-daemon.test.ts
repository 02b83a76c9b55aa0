// The on-demand llmman daemon (src/llmman/daemon/), driven against real processes: llmman's CLI
// emulator (tools/bin/llmman) is the `llmman` command, a daemon "the user runs" is the same emulator
// started by the test, and outcomes are read from pids, /proc, pid records, log lines and errors.
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import type { LlmmanConfigInput } from "../src/config/schema.ts";
import { resolveLlmmanConfig } from "../src/llmman/config.ts";
import { daemonAddress, type DaemonConfig } from "../src/llmman/daemon/config.ts";
import { parseLogLine } from "../src/llmman/daemon/log-lines.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { probeVersion } from "../src/llmman/daemon/version.ts";
import { llmmanBin } from "../tools/emulator/llmman/harness.ts";
import { freePort, makeTempDir, removeTempDirs } from "./support/emulator.ts";
import { waitGone } from "./support/supervisor-rig.ts";

const KEY = "plugins.entries.inferrs.config.llmman";

const supervisors: LlmmanDaemons[] = [];
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((daemons) => daemons.stop()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

afterAll(() => removeTempDirs());

/** The llmman section as the plugin resolves it. */
function daemonConfig(baseUrl: string, service: NonNullable<LlmmanConfigInput["service"]> = {}): DaemonConfig {
  return resolveLlmmanConfig({ baseUrl, service: { readyTimeoutMs: 30_000, ...service } });
}

function supervisor(env: NodeJS.ProcessEnv = process.env): { daemons: LlmmanDaemons; stateDir: string } {
  const stateDir = makeTempDir("llmman-state-");
  const daemons = new LlmmanDaemons({ env, stateDir });
  supervisors.push(daemons);
  return { daemons, stateDir };
}

/** An HTTP server on a free loopback port that answers every request with `status` and `body`. */
async function httpServer(status: number, body: string): Promise<string> {
  const server = createServer((_req, res) => res.writeHead(status, { "content-type": "application/json" }).end(body));
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

describe("llmman's log lines", () => {
  test("name the start, pull and load phases as llmman prints them (§14)", () => {
    expect(parseLogLine("[llmman] downloading llama-server (CPU) b6043: llama-b6043-bin-ubuntu-x64.zip")).toEqual({
      phase: "download",
      message: "downloading llama-server (CPU) b6043: llama-b6043-bin-ubuntu-x64.zip",
    });
    expect(parseLogLine("llmman serve listening on 127.0.0.1:17434")).toEqual({ phase: "listening", message: "listening on 127.0.0.1:17434" });
    expect(parseLogLine("[llmman] docker.io/ai/qwen3.5:0.8b not in store — pulling")).toEqual({
      phase: "pull",
      ref: "docker.io/ai/qwen3.5:0.8b",
      message: "pulling docker.io/ai/qwen3.5:0.8b",
    });
    expect(parseLogLine("[llmman] loading docker.io/ai/qwen3.5:0.8b on port 40123")).toMatchObject({
      phase: "load",
      ref: "docker.io/ai/qwen3.5:0.8b",
      port: 40123,
    });
    expect(parseLogLine("[llmman] docker.io/ai/qwen3.5:0.8b ready on port 40123")).toMatchObject({ phase: "loaded", port: 40123 });
    expect(parseLogLine("llmman serve shutting down")).toMatchObject({ phase: "stopping" });
  });

  test("ignore llama-server's own output and keep the newest frame of a redrawn line", () => {
    expect(parseLogLine("llama_model_loader: loaded meta data with 40 key-value pairs")).toBeUndefined();
    expect(parseLogLine('[llmman] /api/show model="docker.io/ai/qwen3.5:0.8b"')).toBeUndefined();
    expect(parseLogLine("  3%\r 40%\rllmman serve listening on 127.0.0.1:5000")).toMatchObject({ phase: "listening" });
  });
});

describe("where the daemon answers", () => {
  test("LLMMAN_HOST comes from baseUrl, IPv6 hosts in brackets", () => {
    const at = (baseUrl: string) => daemonAddress(daemonConfig(baseUrl));
    expect(at("http://127.0.0.1:17434/v1/")).toMatchObject({
      baseUrl: "http://127.0.0.1:17434/v1",
      origin: "http://127.0.0.1:17434",
      bind: "127.0.0.1:17434",
      loopback: true,
    });
    expect(at("http://localhost:5000/v1").bind).toBe("localhost:5000");
    expect(at("http://[::1]:5000/v1")).toMatchObject({ bind: "[::1]:5000", loopback: true });
    expect(at("http://10.0.0.5:17434/v1").loopback).toBe(false);
  });

  test("/api/version is read as hostile input: only a 200 JSON object is llmman", async () => {
    const answer = await probeVersion(await httpServer(200, '{"exe":"/usr/bin/llmman","pid":4242,"version":"0.1.334 (22b6d73)"}'));
    expect(answer).toEqual({ kind: "up", pid: 4242, exe: "/usr/bin/llmman", version: "0.1.334 (22b6d73)" });
    expect(await probeVersion(await httpServer(200, '{"pid":-1,"exe":7}'))).toEqual({
      kind: "up",
      pid: undefined,
      exe: undefined,
      version: undefined,
    });
    expect(await probeVersion(await httpServer(404, ""))).toEqual({ kind: "not-llmman", status: 404 });
    expect(await probeVersion(await httpServer(200, "llmman is running"))).toEqual({ kind: "not-llmman", status: 200 });
    expect(await probeVersion(`http://127.0.0.1:${await freePort()}`)).toEqual({ kind: "down", reason: "connection refused" });
  });
});

describe("a daemon that cannot or must not be started", () => {
  test("a non-loopback baseUrl is never started, and the error names baseUrl", async () => {
    // This machine's own non-loopback address refuses at once; TEST-NET-1 times out after 1 s.
    const own = Object.values(networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;
    const { daemons } = supervisor();
    const baseUrl = `http://${own ?? "192.0.2.1"}:${await freePort()}/v1`;
    await expect(daemons.acquire(daemonConfig(baseUrl))).rejects.toThrow(
      `${KEY}.baseUrl ${baseUrl} is not a loopback address, and OpenClaw only starts llmman on this machine`,
    );
    expect(daemons.status().spawns).toBe(0);
  });

  test("a command that is not found names llmman.service.command", async () => {
    const { daemons } = supervisor({ ...process.env, PATH: makeTempDir("empty-path-") });
    const baseUrl = `http://127.0.0.1:${await freePort()}/v1`;
    const acquired = daemons.acquire(daemonConfig(baseUrl, { command: "llmman-not-installed" }));
    await expect(acquired).rejects.toThrow(/llmman is not running at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
    await expect(acquired).rejects.toThrow(
      `the command "llmman-not-installed" was not found on PATH; install llmman or set ${KEY}.service.command to its absolute path`,
    );
    expect(daemons.status().spawns).toBe(0);
  });

  test("autoStart false says so and how to start it by hand", async () => {
    const { daemons } = supervisor();
    const port = await freePort();
    await expect(daemons.acquire(daemonConfig(`http://127.0.0.1:${port}/v1`, { autoStart: false }))).rejects.toThrow(
      `${KEY}.service.autoStart is false. Start it yourself with \`LLMMAN_HOST=127.0.0.1:${port} llmman serve\``,
    );
  });

  test("something that is not llmman on the port is an error naming baseUrl, never a start", async () => {
    const { daemons } = supervisor();
    const origin = await httpServer(404, "");
    await expect(daemons.acquire(daemonConfig(`${origin}/v1`))).rejects.toThrow(
      `Something that is not llmman answers on ${origin} (GET /api/version → HTTP 404). Stop it, or point ${KEY}.baseUrl at a free port.`,
    );
    expect(daemons.status().spawns).toBe(0);
  });
});

describe("config edits in a running gateway", () => {
  test("an idleStopMs edited while the daemon runs applies from its next lease, to the same daemon", async () => {
    const { daemons } = supervisor();
    const baseUrl = `http://127.0.0.1:${await freePort()}/v1`;
    const service = { command: llmmanBin, env: { LLMMAN_MODELS: join(makeTempDir("llmman-store-"), "store") } };
    (await daemons.acquire(daemonConfig(baseUrl, { ...service, idleStopMs: 600_000 }))).release();
    const pid = daemons.status().daemons[0]!.pid;

    const lease = await daemons.acquire(daemonConfig(baseUrl, { ...service, idleStopMs: 300 }));
    expect(daemons.status().daemons.map((daemon) => daemon.pid)).toEqual([pid]); // the same daemon, not a restart
    const releasedAt = Date.now();
    lease.release();
    expect(await waitGone(pid)).toBe(true);
    expect(Date.now() - releasedAt).toBeGreaterThanOrEqual(300 - 5);
    expect(daemons.status()).toEqual({ daemons: [], spawns: 1 });
  });
});
