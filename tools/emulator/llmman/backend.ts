// One backend process per loaded model (`spawn_llama_server` + `wait_for_ready`): the llama-server
// stand-in on a free loopback port, in the daemon's process group, its output relayed and tailed.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../net.ts";
import { AppError, Cancelled } from "./http.ts";
import type { Settings } from "./knobs.ts";
import type { StoredModel } from "./store.ts";

const LLAMA_SERVER = join(import.meta.dirname, "llama-server.ts");
const TAIL_LINES = 20;

export interface Backend {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
  alive(): boolean;
  kill(): void;
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Relays a child stream to ours line by line, keeping the last lines for error messages. */
function relay(stream: NodeJS.ReadableStream, to: NodeJS.WriteStream, tail: string[]): void {
  let partial = "";
  stream.on("data", (d: Buffer) => {
    to.write(d);
    const lines = (partial + d.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    for (const l of lines) if (l.trim()) tail.push(l);
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
  });
}

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export interface LoadOptions {
  ref: string;
  model: StoredModel;
  settings: Settings;
  /** `--ctx-size` for this load (undefined: none, llama-server uses the trained context). */
  ctxSize?: number;
  embedding: boolean;
  signal: AbortSignal;
}

/** Spawns the backend and waits for its /health; kills it on failure, deadline or cancellation. */
export async function startBackend(o: LoadOptions): Promise<Backend> {
  if (!o.model.ggufPath) {
    throw new AppError(500, `resolve model ${o.ref}: no servable model layer in ${o.ref} — found {} files; llmman serve supports GGUF (llama-server) and safetensors (vllm)`);
  }
  const port = await freePort();
  log(`[llmman] using blob directly: ${o.model.ggufPath}`);
  log(`[llmman] loading ${o.ref} on port ${port}`);
  const args = ["--model", o.model.ggufPath, "--port", String(port), "--host", "127.0.0.1"];
  if (o.ctxSize !== undefined) args.push("--ctx-size", String(o.ctxSize));
  if (o.model.mmprojPath) args.push("--mmproj", o.model.mmprojPath);
  if (o.embedding) args.push("--embeddings", "--pooling", "mean");
  const child = spawn(process.execPath, [LLAMA_SERVER, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const tail: string[] = [];
  relay(child.stdout!, process.stdout, tail);
  relay(child.stderr!, process.stderr, tail);
  let done = false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => { done = true; resolve(); }));
  child.once("error", () => { done = true; });
  const backend: Backend = {
    child,
    pid: child.pid ?? 0,
    port,
    exited,
    alive: () => !done && child.exitCode === null && child.signalCode === null,
    kill: () => { if (backend.alive()) child.kill("SIGKILL"); },
  };
  const deadline = o.settings.loadTimeoutMs === null ? Infinity : Date.now() + o.settings.loadTimeoutMs;
  const aborted = new Promise((r) => o.signal.addEventListener("abort", r, { once: true }));
  try {
    for (;;) {
      if (o.signal.aborted) throw new Cancelled();
      if (!backend.alive()) {
        await sleep(20); // let the last output lines arrive
        const why = tail.length ? `: ${tail.join(" | ")}` : "";
        throw new AppError(500, `inference server on port ${port} exited before becoming ready${why}`);
      }
      if (await healthy(port)) break;
      if (Date.now() >= deadline) {
        throw new AppError(500, `inference server on port ${port} did not become ready within ${Math.round(o.settings.loadTimeoutMs! / 1000)}s`);
      }
      await Promise.race([sleep(o.settings.emu.pollMs), exited, aborted]);
    }
  } catch (e) {
    backend.kill();
    throw e;
  }
  log(`[llmman] ${o.ref} ready on port ${port}`);
  return backend;
}
