// Servers OpenClaw did not start, and start failures: errors that name the cause and the fix.
import { existsSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { freePort, makeTempDir, startEmulator } from "./support/emulator.ts";
import { A, B, CONFIG, hfHome, rig, starts, isGone, errorOf, healthStatus, servedModel, executable, listen, useHarness } from "./support/supervisor-rig.ts";

useHarness();

describe("servers OpenClaw did not start", () => {
  test("a foreign server serving the selected model is used as is: no spawn, and stop() leaves it running", async () => {
    const foreign = await startEmulator({ model: A, hfHome });
    const port = foreign.port;
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
    const foreignLog = join(makeTempDir("inferrs-foreign-"), "requests.jsonl");
    const { port } = await startEmulator({ model: A, hfHome, env: { INFERRS_EMU_REQUEST_LOG: foreignLog } });
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
    const foreign = await startEmulator({ model: A, hfHome });
    const port = foreign.port;
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
    const foreign = await startEmulator({ model: A, hfHome, env: { INFERRS_EMU_LOAD_FAIL: "weights corrupt" } });
    const port = foreign.port;
    await foreign.waitForHealth(500);
    const r = await rig({ port });

    const error = await errorOf(r.sup.acquire(A, r.config));
    expect(error.message).toContain("reports a failed model load (/health 500), and that server was not started by OpenClaw (you run it)");
    expect(r.sup.status().spawns).toBe(0);
    expect(isGone(foreign.proc.pid!)).toBe(false);
  });

  test("a foreign server still loading after readyTimeoutMs holds the port: error, no spawn, not killed", async () => {
    const foreign = await startEmulator({ model: A, hfHome, env: { INFERRS_EMU_LOAD_MS: "600000" } });
    const port = foreign.port;
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
    const r = await rig({ service: { readyTimeoutMs: 1000 }, env: { INFERRS_EMU_LOAD_MS: "600000" } });
    const began = Date.now();
    const error = await errorOf(r.sup.acquire(A, r.config));

    expect(error.message).toContain(`inferrs did not become ready within 1000 ms while loading ${A}, so OpenClaw stopped it.`);
    expect(error.message).toContain(`raise ${CONFIG}.service.readyTimeoutMs or run \`inferrs pull ${A}\` first.`);
    expect(Date.now() - began).toBeGreaterThanOrEqual(1000);
    // On a loaded machine the emulator may not have logged its start yet: the harness then finds
    // its process by the request log in its environment, and fails the test if it is still there.
    for (const start of starts(r.log)) expect(isGone(start.pid)).toBe(true);
    expect(r.sup.status()).toEqual({ servers: [], waiting: 0, spawns: 1 });
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
