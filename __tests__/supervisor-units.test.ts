// The supervisor's modules on their own: output tails, model ids, commands, devices, probes.
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { delimiter, join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { lookUpCommand, resolveCommand } from "../src/service/command.ts";
import { resolveDevice } from "../src/inferrs/server/device.ts";
import { whyNoAutoStart } from "../src/inferrs/server/errors.ts";
import { MAX_LINE_BYTES, MAX_LINES, MAX_TAIL_BYTES, OutputTail } from "../src/service/output-tail.ts";
import { configSecrets, maskSecrets } from "../src/secrets.ts";
import { modelIdProblem, isListableModelId } from "../src/inferrs/model-id.ts";
import { probeHealth, sameModel } from "../src/inferrs/server/probe.ts";
import { NotReadyError, waitForHealth } from "../src/inferrs/server/readiness.ts";
import { freePort, inferrsBin, makeTempDir, projectDir } from "./support/emulator.ts";
import { A, B, binDir, CONFIG, rig, starts, errorOf, executable, listen, useHarness } from "./support/supervisor-rig.ts";

useHarness();

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
