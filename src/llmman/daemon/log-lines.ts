// What llmman is doing, read from its own stderr lines (../shared/llmman-api.md §14, 485d055 and
// v0.1.334 alike): llmman has no progress API for its start (the port opens only after llama-server
// was found or downloaded) nor for a model load.

export type DaemonPhase =
  /** Spawned; nothing said yet. */
  | "starting"
  /** Downloading llama-server (or a companion file) before the bind. */
  | "download"
  /** Bound; /api/version answers next. */
  | "listening"
  /** /api/version answers 200. */
  | "ready"
  /** A requested model is not stored: llmman pulls it before the load. */
  | "pull"
  /** llama-server is starting for a model. */
  | "load"
  /** The model's llama-server is ready. */
  | "loaded"
  | "stopping";

export type DaemonProgress = { phase: DaemonPhase; message: string };

export type LogEvent = DaemonProgress & { ref?: string; port?: number };

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => LogEvent]> = [
  [/^\[llmman\] (downloading \S.*)$/, (m) => ({ phase: "download", message: m[1]! })],
  [/^llmman serve listening on (\S+)/, (m) => ({ phase: "listening", message: `listening on ${m[1]}` })],
  [/^\[llmman\] (\S+) not in store — pulling/, (m) => ({ phase: "pull", ref: m[1]!, message: `pulling ${m[1]}` })],
  [
    /^\[llmman\] loading (\S+) on port (\d+)/,
    (m) => ({ phase: "load", ref: m[1]!, port: Number(m[2]), message: `loading ${m[1]} on port ${m[2]}` }),
  ],
  [
    /^\[llmman\] (\S+) ready on port (\d+)/,
    (m) => ({ phase: "loaded", ref: m[1]!, port: Number(m[2]), message: `${m[1]} ready on port ${m[2]}` }),
  ],
  [/^llmman serve shutting down/, () => ({ phase: "stopping", message: "shutting down" })],
];

/** The phase a log line announces, or undefined for any other line (llama-server's own output, bars). */
export function parseLogLine(line: string): LogEvent | undefined {
  // A line of a redrawn download bar carries its earlier frames before a \r.
  const text = line.slice(line.lastIndexOf("\r") + 1).trim();
  for (const [pattern, event] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) return event(match);
  }
  return undefined;
}
