// Emulator-only settings, read from INFERRS_EMU_* environment variables (see README.md).
// Nothing here changes what a real inferrs would do; it only picks which real behaviour is shown.

/** Release tags (0.0.<yyyymmddhhmmss>) at which behaviours the emulator reproduces changed. */
export const RELEASES = {
  /** dbc3225: `content` may be an array of parts (before: a required string). */
  arrayContent: "0.0.20260409054918",
  /** 6b08b30: `null` content and the `tool`/`function` roles are accepted. */
  nullContentAndToolRole: "0.0.20260409083247",
  /** 4d09201: `tools` are folded into the system prompt (before: ignored). */
  toolsFolded: "0.0.20260409094517",
  /** b3b2092: /v1/models lists the whole HF cache; sampling extensions (seed, stop, ...). */
  cacheListing: "0.0.20260411131338",
  /** 94e7731: bind before loading; /health says 503 while loading (before: load, then bind). */
  bindBeforeLoad: "0.0.20260411222643",
} as const;

/** The newest behaviour: inferrs main at 9535ae3 (2026-04-24). */
export const CURRENT_RELEASE = "0.0.20260424162559";

export interface Knobs {
  /** Simulated model load time in ms. */
  loadMs: number;
  /** When set, every model load fails with this message. */
  loadFail?: string;
  /** Model ids that do not exist on the hub ("*": any model not already in the cache). */
  missing: string[];
  /** Release tag whose behaviour to show (see RELEASES). */
  release: string;
  /** JSON-lines request log path. */
  requestLog?: string;
  /** Fixed answer text; "@echo" repeats the last user message. */
  answer?: string;
  /** Delay per generated token, in ms. */
  tokenDelayMs: number;
  /** Kill the process (SIGKILL) after this many generated tokens. */
  crashAfterTokens?: number;
  /** Engine failure message: generation ends with `Error: <msg>`, finish_reason "error". */
  engineError?: string;
  /** Number of tokens generated before the engine error strikes (default 0). */
  engineErrorAfterTokens: number;
  /** Context length the model's config.json is taken to give (--max-seq-len still wins). */
  context?: number;
  /** Pretend this GPU backend is present ("cuda" or "metal"); otherwise only the CPU exists. */
  gpu?: "cuda" | "metal";
  /** Ignore SIGTERM (only SIGKILL ends the process); group members started by groupMembers too. */
  ignoreSigterm: boolean;
  /** Extra processes started in the server's process group, sharing its stdout and stderr. */
  groupMembers: number;
}

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

export function readKnobs(env: NodeJS.ProcessEnv = process.env): Knobs {
  const gpu = env.INFERRS_EMU_GPU;
  if (gpu && gpu !== "cuda" && gpu !== "metal") throw new Error(`INFERRS_EMU_GPU must be cuda or metal, got ${JSON.stringify(gpu)}`);
  const release = env.INFERRS_EMU_RELEASE || CURRENT_RELEASE;
  if (!/^0\.0\.\d{14}$/.test(release)) throw new Error(`INFERRS_EMU_RELEASE must look like 0.0.20260409054918, got ${JSON.stringify(release)}`);
  return {
    loadMs: int(env.INFERRS_EMU_LOAD_MS, "INFERRS_EMU_LOAD_MS") ?? 300,
    loadFail: env.INFERRS_EMU_LOAD_FAIL || undefined,
    missing: (env.INFERRS_EMU_MISSING ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    release,
    requestLog: env.INFERRS_EMU_REQUEST_LOG || undefined,
    answer: env.INFERRS_EMU_ANSWER || undefined,
    tokenDelayMs: int(env.INFERRS_EMU_TOKEN_DELAY_MS, "INFERRS_EMU_TOKEN_DELAY_MS") ?? 0,
    crashAfterTokens: int(env.INFERRS_EMU_CRASH_AFTER_TOKENS, "INFERRS_EMU_CRASH_AFTER_TOKENS"),
    engineError: env.INFERRS_EMU_ENGINE_ERROR || undefined,
    engineErrorAfterTokens: int(env.INFERRS_EMU_ENGINE_ERROR_AFTER_TOKENS, "INFERRS_EMU_ENGINE_ERROR_AFTER_TOKENS") ?? 0,
    context: int(env.INFERRS_EMU_CONTEXT, "INFERRS_EMU_CONTEXT"),
    gpu: gpu ? (gpu as "cuda" | "metal") : undefined,
    ignoreSigterm: env.INFERRS_EMU_IGNORE_SIGTERM === "1",
    groupMembers: int(env.INFERRS_EMU_GROUP_MEMBERS, "INFERRS_EMU_GROUP_MEMBERS") ?? 0,
  };
}

/** True when the emulated release is at least `tag` (tags compare as strings: fixed width). */
export function since(knobs: Knobs, tag: string): boolean {
  return knobs.release >= tag;
}
