// Runs one `openclaw …` CLI process of a host and times it: the whole wall time, and when its
// last output arrived, so a process that lingers after printing its answer shows.
import { spawn } from "node:child_process";
import type { OpenClawHost } from "../../tools/openclaw-host.ts";
import { node24, openclawEntry } from "../host.ts";
import { track } from "./processes.ts";

export type CliRun = {
  pid: number;
  code: number | null;
  stdout: string;
  stderr: string;
  /** Spawn → exit. */
  ms: number;
  /** Spawn → the last stdout/stderr chunk (the JSON answer is the last thing printed). */
  outputMs: number;
};

export function runCli(
  host: OpenClawHost,
  args: string[],
  options: { env?: Record<string, string>; nodeArgs?: string[]; timeoutMs?: number } = {},
): Promise<CliRun> {
  const started = performance.now();
  let lastOutput = started;
  const child = spawn(node24, [...(options.nodeArgs ?? []), openclawEntry, ...args], {
    env: host.env(options.env),
    cwd: host.dir,
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    lastOutput = performance.now();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    lastOutput = performance.now();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 900_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const ended = performance.now();
      resolve({ pid: child.pid ?? -1, code, stdout, stderr, ms: ended - started, outputMs: lastOutput - started });
    });
  });
}
