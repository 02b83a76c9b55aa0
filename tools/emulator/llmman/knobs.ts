// Settings of the llmman emulator: the real daemon's environment (LLMMAN_*, per version) and the
// emulator-only knobs (LLMMAN_EMU_*, see README.md), read once at startup.
import { homedir, totalmem } from "node:os";
import { join } from "node:path";

export type Version = "v0.1.334" | "485d055";

/** `LLMMAN_VERSION` as `--version` and `/api/version` report it. */
export const VERSION_STRING: Record<Version, string> = { "v0.1.334": "0.1.334 (22b6d73)", "485d055": "0.1.0 (485d055)" };

export const DEFAULT_ADDR = "127.0.0.1:17434";
/** Newer llmman's context when LLMMAN_CONTEXT_LENGTH is unset (capped to the trained context). */
export const DEFAULT_CONTEXT = 262144;

export interface Settings {
  version: Version;
  /** Bind address host:port (LLMMAN_HOST; honoured by the emulator in both versions). */
  addr: { host: string; port: number };
  store: string;
  /** LLMMAN_CONTEXT_LENGTH (v0.1.334) or `--ctx-size` (485d055); undefined when unset. */
  contextLength?: number;
  /** Default keep-alive in ms; null = never unload (485d055 always). */
  keepAliveMs: number | null;
  maxLoadedModels: number;
  /** Load deadline in ms; null = forever (LLMMAN_LOAD_TIMEOUT ≤ 0). */
  loadTimeoutMs: number | null;
  peers: string[];
  hybridLocalBytes: number;
  emu: EmuKnobs;
}

export interface EmuKnobs {
  downloadMs: number;
  loadMs: number;
  loadFail?: string;
  pollMs: number;
  reapMs: number;
  registry?: string;
  pullFail?: string;
  pullBytesPerSec: number;
  requestLog?: string;
  answer?: string;
  tokenDelayMs: number;
  ignoreSigterm: boolean;
  memory: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Ollama duration syntax: seconds as a number, or `1h30m`, `10m`, `90s`, `500ms`; negative = never. */
export function parseDuration(value: string): number | null | undefined {
  const v = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v) < 0 ? null : Number(v) * 1000;
  if (v.startsWith("-")) return parseDuration(v.slice(1)) === undefined ? undefined : null;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return v ? total : undefined;
}

/** `[host][:port]`; a missing part keeps the default (127.0.0.1, 17434). */
export function parseHostPort(value: string | undefined): { host: string; port: number } {
  const v = (value ?? "").trim().replace(/^https?:\/\//, "");
  if (!v) return { host: "127.0.0.1", port: 17434 };
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(v);
  if (!m) throw new Error(`invalid LLMMAN_HOST ${JSON.stringify(value)}`);
  return { host: m[1] ? m[1].replace(/^\[|\]$/g, "") : "127.0.0.1", port: m[2] ? Number(m[2]) : 17434 };
}

export function readVersion(env: NodeJS.ProcessEnv): Version {
  const v = env.LLMMAN_EMU_VERSION ?? "";
  if (v === "" || v === "v0.1.334" || v === "0.1.334" || v === "22b6d73") return "v0.1.334";
  if (v === "485d055") return "485d055";
  throw new Error(`LLMMAN_EMU_VERSION must be v0.1.334 or 485d055, got ${JSON.stringify(v)}`);
}

export function defaultStore(env: NodeJS.ProcessEnv): string {
  return join(env.HOME || homedir(), ".local", "share", "llmman", "store");
}

export interface ServeFlags {
  store?: string;
  ctxSize?: number;
}

export function readSettings(env: NodeJS.ProcessEnv, flags: ServeFlags): Settings {
  const version = readVersion(env);
  const newer = version === "v0.1.334";
  const ctxEnv = newer && env.LLMMAN_CONTEXT_LENGTH ? int(env, "LLMMAN_CONTEXT_LENGTH", 0) : undefined;
  const contextLength = newer ? ctxEnv : flags.ctxSize;
  const keepAlive = newer ? (parseDuration(env.LLMMAN_KEEP_ALIVE ?? "") ?? 300_000) : null;
  const loadTimeout = newer && env.LLMMAN_LOAD_TIMEOUT ? parseDuration(env.LLMMAN_LOAD_TIMEOUT) : 600_000;
  const localBytes = env.LLMMAN_HYBRID_LOCAL_BYTES;
  return {
    version,
    addr: parseHostPort(env.LLMMAN_HOST),
    store: (newer ? env.LLMMAN_MODELS : flags.store) || defaultStore(env),
    contextLength,
    keepAliveMs: keepAlive,
    maxLoadedModels: newer ? int(env, "LLMMAN_MAX_LOADED_MODELS", 0) : 0,
    loadTimeoutMs: loadTimeout === undefined ? 600_000 : loadTimeout === 0 ? null : loadTimeout,
    peers: newer ? (env.LLMMAN_PEERS ?? "").split(",").map((s) => s.trim()).filter(Boolean) : [],
    hybridLocalBytes: localBytes !== undefined && localBytes !== "" ? int(env, "LLMMAN_HYBRID_LOCAL_BYTES", 0) : 4 * (ctxEnv ?? DEFAULT_CONTEXT),
    emu: {
      downloadMs: int(env, "LLMMAN_EMU_DOWNLOAD_MS", 0),
      loadMs: int(env, "LLMMAN_EMU_LOAD_MS", 300),
      loadFail: env.LLMMAN_EMU_LOAD_FAIL || undefined,
      pollMs: Math.max(1, int(env, "LLMMAN_EMU_POLL_MS", 500)),
      reapMs: Math.max(1, int(env, "LLMMAN_EMU_REAP_MS", 15_000)),
      registry: env.LLMMAN_EMU_REGISTRY || undefined,
      pullFail: env.LLMMAN_EMU_PULL_FAIL || undefined,
      pullBytesPerSec: Math.max(1, int(env, "LLMMAN_EMU_PULL_BYTES_PER_S", 100 * 1024 * 1024)),
      requestLog: env.LLMMAN_EMU_REQUEST_LOG || undefined,
      answer: env.LLMMAN_EMU_ANSWER || undefined,
      tokenDelayMs: int(env, "LLMMAN_EMU_TOKEN_DELAY_MS", 0),
      ignoreSigterm: env.LLMMAN_EMU_IGNORE_SIGTERM === "1",
      memory: int(env, "LLMMAN_EMU_MEMORY", totalmem()),
    },
  };
}

/** The env knobs worth recording in the request log's start event. */
export function knobEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (k.startsWith("LLMMAN_") && v !== undefined) out[k] = v;
  return out;
}
