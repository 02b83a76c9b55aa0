// Entry point of the inferrs emulator: `inferrs serve [OPTIONS] [MODEL]` (run through tools/bin/inferrs).
// Startup follows server.rs `run`: log, start the load in the background, log
// "Server listening on H:P", then bind (a bind failure exits 1 after that line).
import { spawn } from "node:child_process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseCli, type ServeArgs } from "./clap.ts";
import { type Knobs, readKnobs, RELEASES, since } from "./knobs.ts";
import { Logger, RequestLog } from "./log.ts";
import { createApp } from "./server.ts";
import { loadEngine, ModelSlot } from "./slot.ts";

const DEFAULT_PORT_MODEL = 8080;
const DEFAULT_PORT_DAEMON = 17434;

/** Rust's io::Error Display for the errors a bind can hit. */
function bindErrorText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case "EADDRINUSE": return "Address already in use (os error 98)";
    case "EACCES": return "Permission denied (os error 13)";
    case "EADDRNOTAVAIL": return "Cannot assign requested address (os error 99)";
    case "ENOTFOUND":
    case "EAI_AGAIN": return "failed to lookup address information: Name or service not known";
    default: return e.message;
  }
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

export async function serve(args: ServeArgs, knobs: Knobs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const log = new Logger(env);
  const requestLog = new RequestLog(knobs.requestLog);
  const port = args.port ?? (args.model !== undefined ? DEFAULT_PORT_MODEL : DEFAULT_PORT_DAEMON);
  requestLog.write({
    event: "start",
    argv: process.argv.slice(2),
    pid: process.pid,
    model: args.model ?? null,
    host: args.host,
    port,
    device: args.device,
    release: knobs.release,
  });

  if (args.model !== undefined) log.info("inferrs", `Starting inferrs server for model: ${args.model}`);
  else log.info("inferrs", "Starting inferrs server in Ollama-compatible mode (no model preloaded)");

  const ctx = { args, knobs, log, env };
  const slot = new ModelSlot(ctx, args.model);
  if (args.model !== undefined) {
    if (since(knobs, RELEASES.bindBeforeLoad)) {
      void slot.startInitialLoad(args.model);
    } else {
      // Releases before 94e7731 loaded the model first: no port until ready, exit 1 on failure.
      try {
        slot.setReady(await loadEngine(ctx, args.model));
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    }
  }

  if (knobs.ignoreSigterm) process.on("SIGTERM", () => log.info("inferrs", "SIGTERM ignored"));
  startGroupMembers(knobs);

  const server = createApp({ ...ctx, requestLog, slot });
  log.info("inferrs::server", `Server listening on ${args.host}:${port}`);
  server.on("error", (e: NodeJS.ErrnoException) => fail(bindErrorText(e)));
  server.listen({ port, host: args.host });
}

/**
 * Helper processes in this process group that hold its stdout and stderr open (as workers of a
 * daemon-mode inferrs do). They end when the server is gone, checked every 50 ms, unless killed.
 */
function startGroupMembers(knobs: Knobs): void {
  const code =
    `${knobs.ignoreSigterm ? 'process.on("SIGTERM", () => {});' : ""}` +
    `const parent = ${process.pid}; setInterval(() => { if (process.ppid !== parent) process.exit(0); }, 50);`;
  for (let i = 0; i < knobs.groupMembers; i++) spawn(process.execPath, ["-e", code], { stdio: "inherit" });
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  const outcome = parseCli(argv);
  if (outcome.kind === "exit") {
    if (outcome.stdout) process.stdout.write(outcome.stdout);
    if (outcome.stderr) process.stderr.write(outcome.stderr);
    process.exitCode = outcome.code;
    return;
  }
  let knobs: Knobs;
  try {
    knobs = readKnobs();
  } catch (e) {
    process.stderr.write(`inferrs emulator: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  await serve(outcome.args, knobs);
}

// Run only when executed, not when imported (e.g. by tests); the loader resolves symlinks, so compare real paths.
if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  await main();
}
