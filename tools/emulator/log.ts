// Log output in the format of tracing-subscriber 0.3's default formatter, which real inferrs
// writes to stdout (ANSI colours on unless NO_COLOR is set, as tracing-subscriber >= 0.3.18 does),
// plus the emulator's own JSON-lines request log.
import { appendFileSync } from "node:fs";

export type Level = "ERROR" | "WARN" | "INFO" | "DEBUG" | "TRACE";

const RANK: Record<string, number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 };
const COLOUR: Record<Level, string> = { ERROR: "31", WARN: "33", INFO: "32", DEBUG: "34", TRACE: "35" };

/** Parses a RUST_LOG value into (target prefix → max level); "" is the global directive. */
function parseFilter(spec: string | undefined, fallback: string): Map<string, number> {
  const out = new Map<string, number>();
  const directives = (spec ?? "").split(",").map((d) => d.trim()).filter(Boolean);
  if (directives.length === 0) directives.push(fallback);
  for (const d of directives) {
    const [target, level] = d.includes("=") ? d.split("=", 2) : RANK[d.toLowerCase()] !== undefined ? ["", d] : [d, "trace"];
    const rank = RANK[level.toLowerCase()];
    if (rank !== undefined) out.set(target, rank);
  }
  if (!out.has("")) out.set("", 0); // EnvFilter with target directives only: other targets are off
  return out;
}

function timestamp(): string {
  // tracing prints microseconds; Date only has milliseconds, so the last 3 digits come from the clock.
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000) % 1000;
  return `${new Date().toISOString().slice(0, 23)}${String(micros).padStart(3, "0")}Z`;
}

export class Logger {
  private readonly filter: Map<string, number>;
  private readonly ansi: boolean;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.filter = parseFilter(env.RUST_LOG, "info");
    this.ansi = !env.NO_COLOR;
  }

  private enabled(level: Level, target: string): boolean {
    let best = "";
    for (const t of this.filter.keys()) if (t && (target === t || target.startsWith(`${t}::`)) && t.length > best.length) best = t;
    return RANK[level.toLowerCase()] <= (this.filter.get(best) ?? 0);
  }

  log(level: Level, target: string, message: string): void {
    if (!this.enabled(level, target)) return;
    const lvl = level.padStart(5);
    const line = this.ansi
      ? `\x1b[2m${timestamp()}\x1b[0m \x1b[${COLOUR[level]}m${lvl}\x1b[0m \x1b[2m${target}\x1b[0m\x1b[2m:\x1b[0m ${message}`
      : `${timestamp()} ${lvl} ${target}: ${message}`;
    process.stdout.write(`${line}\n`);
  }

  info(target: string, message: string): void { this.log("INFO", target, message); }
  warn(target: string, message: string): void { this.log("WARN", target, message); }
  error(target: string, message: string): void { this.log("ERROR", target, message); }
}

/** Appends one JSON object per line to the file named by INFERRS_EMU_REQUEST_LOG (if set). */
export class RequestLog {
  private readonly path: string | undefined;

  constructor(path: string | undefined) {
    this.path = path;
  }

  write(entry: Record<string, unknown>): void {
    if (!this.path) return;
    // Synchronous on purpose: a test that got the response can read the line at once.
    appendFileSync(this.path, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  }
}
