// Entry point of the llmman emulator (run through tools/bin/llmman): `llmman serve [MODEL]` in the
// startup order of §1.2 (resolve llama-server before anything binds, then bind and log
// `llmman serve listening on <addr>`, then preload), graceful SIGTERM/SIGINT (§15), and the small
// client commands of commands.ts.
import { mkdirSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { RequestLog } from "../log.ts";
import { log } from "./backend.ts";
import { loadRegistry } from "./catalog.ts";
import { runCommand, usageError } from "./commands.ts";
import type { Daemon } from "./daemon.ts";
import { knobEnv, readSettings, readVersion, type ServeFlags, type Settings, VERSION_STRING } from "./knobs.ts";
import { Manager } from "./manager.ts";
import { Peers } from "./peers.ts";
import { Puller } from "./pull.ts";
import { resolveRef } from "./refs.ts";
import { createDaemonServer } from "./server.ts";
import { Store } from "./store.ts";

const EXE = join(import.meta.dirname, "..", "..", "bin", "llmman");
const LLAMA_TAG = "b6500";

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

/** Rust's io::Error Display for the errors a bind can hit. */
function bindErrorText(e: NodeJS.ErrnoException): string {
  if (e.code === "EADDRINUSE") return "Address already in use (os error 98)";
  if (e.code === "EACCES") return "Permission denied (os error 13)";
  if (e.code === "EADDRNOTAVAIL") return "Cannot assign requested address (os error 99)";
  return e.message;
}

interface ServeArgs extends ServeFlags {
  model?: string;
}

function parseServe(argv: string[], newer: boolean): ServeArgs {
  const out: ServeArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = () => inline ?? argv[++i] ?? usageError(`a value is required for '${flag} <VALUE>' but none was supplied`, "serve");
    if (!newer && flag === "--store") out.store = value();
    else if (!newer && flag === "--ctx-size") {
      const v = value();
      if (!/^\d+$/.test(v)) usageError(`invalid value '${v}' for '--ctx-size <CTX_SIZE>': invalid digit found in string`, "serve");
      out.ctxSize = Number(v);
    } else if (flag.startsWith("-")) usageError(`unexpected argument '${a}' found`, "serve");
    else if (out.model === undefined) out.model = a;
    else usageError(`unexpected argument '${a}' found`, "serve");
  }
  return out;
}

/** Step 2 of §1.2: find (or "download") llama-server; the port is not open meanwhile. */
async function resolveLlamaServer(s: Settings): Promise<void> {
  const path = join(dirname(s.store), "llama-server", LLAMA_TAG, "cpu", "llama-server");
  if (s.emu.downloadMs > 0) {
    log(`[llmman] downloading llama-server (CPU) ${LLAMA_TAG}: llama-${LLAMA_TAG}-bin-ubuntu-x64.zip`);
    await sleep(s.emu.downloadMs);
  }
  log(`[llmman] using downloaded llama-server (CPU): ${path}`);
}

export async function serve(args: ServeArgs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let settings: Settings;
  try {
    settings = readSettings(env, args);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const requestLog = new RequestLog(settings.emu.requestLog);
  requestLog.write({
    event: "start", argv: process.argv.slice(2), pid: process.pid, version: VERSION_STRING[settings.version],
    host: settings.addr.host, port: settings.addr.port, store: settings.store, env: knobEnv(env),
  });
  const preload = new AbortController();
  let shuttingDown = false;
  let daemon: Daemon | undefined;
  const server = { current: undefined as ReturnType<typeof createDaemonServer> | undefined };
  const onSignal = (sig: NodeJS.Signals) => {
    if (sig === "SIGTERM" && settings.emu.ignoreSigterm) return log("[llmman-emulator] SIGTERM ignored");
    if (shuttingDown) return;
    shuttingDown = true;
    log("llmman serve shutting down");
    preload.abort();
    const finish = async () => {
      await daemon?.manager.shutdown();
      process.exit(0);
    };
    if (!server.current) return void finish();
    server.current.close(() => void finish());
    server.current.closeIdleConnections();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  await resolveLlamaServer(settings);
  if (shuttingDown) return;
  mkdirSync(join(dirname(settings.store), "cache"), { recursive: true });
  const store = new Store(settings.store);
  store.init();
  let registry;
  try {
    registry = loadRegistry(settings.emu.registry);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const puller = new Puller(store, registry, settings);
  const manager = new Manager(store, puller, settings);
  const peers = new Peers(settings.peers);
  daemon = { settings, store, puller, manager, peers, requestLog, exe: realpathSync(EXE) };
  if (settings.peers.length) log(`[llmman] aggregation peers: ${settings.peers.join(", ")}`);
  const http = createDaemonServer(daemon);
  server.current = http;
  const addr = `${settings.addr.host.includes(":") ? `[${settings.addr.host}]` : settings.addr.host}:${settings.addr.port}`;
  http.on("error", (e: NodeJS.ErrnoException) => fail(`bind ${addr}: ${bindErrorText(e)}`));
  http.listen(settings.addr.port, settings.addr.host, () => {
    const a = http.address();
    const port = typeof a === "object" && a ? a.port : settings.addr.port;
    log(`llmman serve listening on ${addr.replace(/:\d+$/, `:${port}`)}`);
    manager.startReaper();
    if (args.model !== undefined) void preloadModel(daemon!, args.model, preload.signal);
  });
}

async function preloadModel(d: Daemon, model: string, signal: AbortSignal): Promise<void> {
  try {
    const running = await d.manager.acquire(resolveRef(model), signal);
    running.keepAliveMs = null; // a preloaded model is pinned: never reaped
    d.manager.release(running);
  } catch (e) {
    if (!signal.aborted) log(`[llmman] pre-load failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  let version;
  try {
    version = readVersion(process.env);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const [command, ...rest] = argv;
  if (command === "serve") {
    if (rest.includes("--version") || rest.includes("-V")) return void process.stdout.write(`llmman-serve ${VERSION_STRING[version]}\n`);
    return serve(parseServe(rest, version === "v0.1.334"));
  }
  process.exitCode = await runCommand(argv, version);
}

// Run only when executed, not when imported; the loader resolves symlinks, so compare real paths.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main();
}
