// The small client commands (§13): `--version`, `ps`, `list`, `pull`, `stop` (v0.1.334), talking
// to the daemon at LLMMAN_HOST or reading the store. Unlike real llmman, `pull` does not auto-start
// a daemon (it says so).
import { connect } from "node:net";
import { DEFAULT_ADDR, defaultStore, parseHostPort, type Version, VERSION_STRING } from "./knobs.ts";
import { resolveRef } from "./refs.ts";
import { Store } from "./store.ts";

const SUBCOMMANDS = "launch, run, build, login, logout, push, pull, resolve, transfer, list, ps, rm, inspect, serve, tag";

/** clap's usage error: exit 2. */
export function usageError(message: string, sub?: string): never {
  const usage = sub ? `llmman ${sub} [OPTIONS]${sub === "serve" ? " [MODEL]" : ""}` : "llmman <COMMAND>";
  process.stderr.write(`error: ${message}\n\nUsage: ${usage}\n\nFor more information, try '--help'.\n`);
  process.exit(2);
}

function daemonUrl(): string {
  const { host, port } = parseHostPort(process.env.LLMMAN_HOST ?? DEFAULT_ADDR);
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

/** `daemon::server_alive`: a TCP connect. */
function alive(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port) });
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

function humanSize(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(0)} MB`;
  return `${(bytes / 1e3).toFixed(0)} KB`;
}

/** Columns separated by 4 spaces, each padded to its widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 4))).join("").trimEnd()).join("\n") + "\n";
}

function err(message: string): number {
  process.stderr.write(`Error: ${message}\n`);
  return 1;
}

type Json = Record<string, any>;

async function ps(args: string[], version: Version): Promise<number> {
  const url = daemonUrl();
  if (!(await alive(url))) return err("llmman serve is not running (nothing is loaded) — start it with `llmman serve`");
  const body = (await (await fetch(`${url}/api/ps`)).json()) as Json;
  const prefix = args[0] ?? "";
  const models = (body.models as Json[]).filter((m) => String(m.name).startsWith(prefix)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const newer = version === "v0.1.334";
  const withNode = models.some((m) => m.node);
  const head = ["NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "STARTED", ...(newer ? ["UNTIL"] : []), ...(withNode ? ["NODE"] : [])];
  const rows = models.map((m) => [
    m.name, String(m.digest).replace(/^sha256:/, "").slice(0, 12), humanSize(m.size), m.processor, m.context_length === null ? "-" : String(m.context_length), m.started_at,
    ...(newer ? [m.expires_at ?? "Forever"] : []), ...(withNode ? [m.node ?? "local"] : []),
  ]);
  process.stdout.write(table([head, ...rows]));
  return 0;
}

function list(args: string[], version: Version): number {
  let dir = version === "v0.1.334" ? process.env.LLMMAN_MODELS || defaultStore(process.env) : defaultStore(process.env);
  let filter: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--store" && version === "485d055") dir = args[++i] ?? usageError("a value is required for '--store <STORE>' but none was supplied", "list");
    else if (args[i].startsWith("-")) usageError(`unexpected argument '${args[i]}' found`, "list");
    else filter = resolveRef(args[i]);
  }
  const models = new Store(dir).list().filter((m) => filter === undefined || m.ref === filter);
  if (models.length === 0) return 0;
  const rows = models.map((m) => [m.ref, m.digest.replace(/^sha256:/, "").slice(0, 12), humanSize(m.size), m.modified.toISOString()]);
  process.stdout.write(table([["NAME", "ID", "SIZE", "MODIFIED"], ...rows]));
  return 0;
}

async function pull(args: string[]): Promise<number> {
  const ref = args[0] ?? usageError("the following required arguments were not provided:\n  <REFERENCE>", "pull");
  const url = daemonUrl();
  if (!(await alive(url))) return err("llmman serve is not running (the emulator's `pull` does not auto-start it; run `llmman serve`)");
  const res = await fetch(`${url}/api/pull`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: ref }) });
  let last = "";
  let success = false;
  for (const line of (await res.text()).split("\n")) {
    let obj: Json;
    try {
      obj = JSON.parse(line);
    } catch {
      continue;
    }
    if (obj.error) return err(String(obj.error));
    if (obj.status === "success") success = true;
    else if (obj.status !== last && obj.total === undefined) process.stdout.write(`${obj.status}\n`);
    last = obj.status;
  }
  if (!success) return err(`${ref}: stream ended without a success status`);
  process.stdout.write(`Pulled ${ref}\n`);
  return 0;
}

async function stop(args: string[]): Promise<number> {
  const model = args[0] ?? usageError("the following required arguments were not provided:\n  <MODEL>", "stop");
  const url = daemonUrl();
  if (!(await alive(url))) return err("llmman serve is not running — nothing to stop");
  const res = await fetch(`${url}/api/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, keep_alive: 0 }) });
  await res.arrayBuffer();
  if (res.status === 404) return err(`couldn't find model "${model}" to stop`);
  return res.ok ? 0 : err(`stop ${model}: HTTP ${res.status}`);
}

export async function runCommand(argv: string[], version: Version): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-V") {
    process.stdout.write(`llmman ${VERSION_STRING[version]}\n`);
    return 0;
  }
  if (command === "ps") return ps(rest, version);
  if (command === "list" || command === "ls") return list(rest, version);
  if (command === "pull") return pull(rest);
  if (command === "stop" && version === "v0.1.334") return stop(rest);
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(`Usage: llmman <COMMAND>\n\nCommands (emulated: serve, ps, list, pull${version === "v0.1.334" ? ", stop" : ""}): ${SUBCOMMANDS}\n`);
    return command === undefined ? 2 : 0;
  }
  if (SUBCOMMANDS.split(", ").includes(command)) return err(`\`llmman ${command}\` is not emulated (tools/emulator/llmman/README.md)`);
  usageError(`unrecognized subcommand '${command}'`);
}
