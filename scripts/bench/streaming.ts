// Figure 3: time to first token and tokens/s through the plugin's request path
// (createStreamWrapper + a real Supervisor around OpenClaw's own transport) against the host
// transport alone and against a direct undici + eventsource-parser read, all on one emulator
// (started on demand by the Supervisor) that waits INFERRS_EMU_TOKEN_DELAY_MS before each token.
// Runs are interleaved.
import { resolveConfig, type ResolvedConfig } from "../../src/config/resolve.ts";
import { hubCacheDir } from "../../src/inferrs/discovery/hf-cache.ts";
import { runtimeModelFor } from "../../src/inferrs/discovery/model-entry.ts";
import { fetchServerModels } from "../../src/inferrs/discovery/server-models.ts";
import type { StreamContext, StreamEvent, StreamFn, StreamModel, WrapStreamFn } from "../../src/host-types.ts";
import { configLoader } from "../../src/inferrs/provider.ts";
import { createStreamWrapper } from "../../src/inferrs/request/stream.ts";
import { probeHealth, probeServer } from "../../src/inferrs/server/probe.ts";
import { Supervisor } from "../../src/inferrs/pool/supervisor.ts";
import { seedHfCache } from "../../tools/emulator/hf-cache.ts";
import { loadHostStreamSimple } from "./host-transport.ts";
import { freePort } from "../../tools/net.ts";
import { inferrsBin } from "../../tools/openclaw-host.ts";
import { startedPids, tempDir, usedPorts } from "./processes.ts";
import type { Progress } from "./progress.ts";
import { streamDirect } from "./sse-direct.ts";
import { summarize, type Summary } from "./stats.ts";

export const MODEL = "google/gemma-4-E2B-it";
export const TOKEN_DELAY_MS = 5;
/** 81 one-token words (≤ 5 letters each in the emulator's count). */
export const ANSWER = Array(9).fill("the quick brown fox jumps over the lazy dog").join(" ");
const WARMUPS = 2;
const RUNS = 12;
const DIAG_REPS = 50;

/**
 * plugin: the real request path. plugin-noprobe: the same wrapper with a Supervisor stand-in whose
 * acquire() resolves at once (what a cached readiness verdict would give). host: the host
 * transport alone. direct: undici + eventsource-parser.
 */
export type PathName = "plugin" | "plugin-noprobe" | "host" | "direct";
const PATHS: PathName[] = ["plugin", "plugin-noprobe", "host", "direct"];
export type PathStats = {
  ttftMs: Summary;
  /** From the call to the moment the host transport is called (the plugin's work before the request). */
  preRequestMs: Summary | undefined;
  tokensPerS: Summary;
  gapMs: Summary;
  tokens: number;
};
export type StreamingResult = {
  paths: Record<PathName, PathStats>;
  /**
   * What the plugin adds to the time to first token, measured inside each plugin request: its work
   * before it calls the host transport plus how long it holds the first token. (After that call the
   * host transport does exactly what it does alone.)
   */
  addedTtftMs: Summary;
  /** Same for the wrapper around a Supervisor stand-in that does not probe (the recommended fix). */
  addedTtftNoProbeMs: Summary;
  /** How long the wrapper holds the first token (inner transport yields it → plugin consumer gets it). */
  firstTokenHoldMs: Summary;
  /** Cross-check: plugin minus host transport time to first token, end to end, paired by round. */
  pairedTtftDiffMs: Summary;
  pairedTtftDiffNoProbeMs: Summary;
  /** Supervisor.acquire() as it ran inside the measured plugin requests. */
  inSituAcquireMs: Summary;
  /** Per content event: when the plugin's consumer got it minus when the inner transport yielded it. */
  wrapperLagMs: Summary;
  /** Where the plugin's time to first token goes, measured on its own against the same server. */
  breakdown: { resolveConfigMs: Summary; acquireMs: Summary; probeServerMs: Summary; probeHealthMs: Summary; listModelsMs: Summary };
  tokenDelayMs: number;
  runs: number;
};

export const STREAMING_STEPS = 4 * (WARMUPS + RUNS) + 1;

/** A Supervisor stand-in for the what-if path: a lease on the given server at once, no probe. */
function noProbeSupervisor(baseUrl: string): Supervisor {
  return { acquire: async () => ({ baseUrl, release() {}, serverExit: async () => undefined }) } as unknown as Supervisor;
}

export type Run = { ttftMs: number; tokenTimes: number[]; lagMs: number[]; text: string; preRequestMs: number };

/** When the tapped transport was last called (the request is built and sent from there). */
const calls = { last: 0 };

/** Records when the inner stream yields each event, so the wrapper's own delay can be read off. */
export function tapped(inner: StreamFn, yieldedAt: WeakMap<object, number>): StreamFn {
  return (async (model: StreamModel, context: StreamContext, options?: Parameters<StreamFn>[2]) => {
    calls.last = performance.now();
    const source = await inner(model, context, options);
    return {
      result: () => source.result(),
      [Symbol.asyncIterator]() {
        const iterator = source[Symbol.asyncIterator]();
        return {
          async next() {
            const step = await iterator.next();
            if (!step.done) yieldedAt.set(step.value as object, performance.now());
            return step;
          },
        };
      },
    };
  }) as unknown as StreamFn;
}

export async function consume(streamFn: StreamFn, model: StreamModel, yieldedAt: WeakMap<object, number>, apiKey = "inferrs-local"): Promise<Run> {
  const context = { messages: [{ role: "user", content: "Tell me a story.", timestamp: Date.now() }] } as unknown as StreamContext;
  const started = performance.now();
  calls.last = Number.NaN;
  const stream = await streamFn(model, context, { apiKey } as Parameters<StreamFn>[2]);
  const tokenTimes: number[] = [];
  const lagMs: number[] = [];
  let text = "";
  let terminal: StreamEvent | undefined;
  for await (const event of stream) {
    const now = performance.now();
    if (event.type === "text_delta") {
      tokenTimes.push(now);
      text += event.delta;
      const inner = yieldedAt.get(event);
      if (inner !== undefined) lagMs.push(now - inner);
    }
    if (event.type === "done" || event.type === "error") terminal = event;
  }
  await stream.result().catch(() => undefined);
  if (terminal?.type !== "done") {
    throw new Error(`stream did not finish: ${terminal?.type === "error" ? terminal.error.errorMessage : "no terminal event"}`);
  }
  if (tokenTimes.length === 0) throw new Error("no text_delta event");
  return { ttftMs: tokenTimes[0]! - started, tokenTimes, lagMs, text, preRequestMs: calls.last - started };
}

function pathStats(runs: Run[]): PathStats {
  const gaps: number[] = [];
  const rates: number[] = [];
  for (const run of runs) {
    const t = run.tokenTimes;
    for (let i = 1; i < t.length; i++) gaps.push(t[i]! - t[i - 1]!);
    rates.push(((t.length - 1) / (t.at(-1)! - t[0]!)) * 1000);
  }
  return {
    ttftMs: summarize(runs.map((run) => run.ttftMs)),
    preRequestMs: runs.every((run) => Number.isFinite(run.preRequestMs)) ? summarize(runs.map((run) => run.preRequestMs)) : undefined,
    tokensPerS: summarize(rates),
    gapMs: summarize(gaps),
    tokens: runs[0]!.tokenTimes.length,
  };
}

export async function timeRepeated(reps: number, task: () => Promise<unknown> | unknown): Promise<Summary> {
  for (let i = 0; i < 5; i++) await task();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    await task();
    times.push(performance.now() - started);
  }
  return summarize(times);
}

export async function benchStreaming(progress: Progress): Promise<StreamingResult> {
  const hfHome = tempDir("stream-hf");
  seedHfCache(hfHome);
  // inferrs as the plugin runs it by default: started on demand by the Supervisor (the warm-up
  // request starts it), so the measured requests take the owned-server path.
  const port = await freePort();
  usedPorts.add(port);
  const pluginConfig = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: {
      command: inferrsBin,
      env: { HF_HOME: hfHome, INFERRS_EMU_TOKEN_DELAY_MS: String(TOKEN_DELAY_MS), INFERRS_EMU_ANSWER: ANSWER },
    },
  };
  const config: ResolvedConfig = resolveConfig(pluginConfig);
  const supervisor = new Supervisor({ env: process.env, stateDir: tempDir("stream-state") });
  try {
    (await supervisor.acquire(MODEL, config)).release();
    const pid = supervisor.status().servers[0]?.pid;
    if (pid) startedPids.add(pid);
    // Times acquire() inside the measured requests (an instance wrapper; the class is untouched).
    const inSituAcquire: number[] = [];
    let measuring = false;
    const acquire = supervisor.acquire.bind(supervisor);
    supervisor.acquire = async (...args: Parameters<Supervisor["acquire"]>) => {
      const started = performance.now();
      const lease = await acquire(...args);
      if (measuring) inSituAcquire.push(performance.now() - started);
      return lease;
    };
    const hostStreamSimple = await loadHostStreamSimple();
    const yieldedAt = new WeakMap<object, number>();
    const inner = tapped(hostStreamSimple, yieldedAt);
    const wrap: WrapStreamFn = createStreamWrapper({
      supervisor,
      loadConfig: configLoader(pluginConfig),
      defaultStreamFn: async () => hostStreamSimple,
    });
    const wrapContext = { provider: "inferrs", modelId: MODEL, streamFn: inner, config: {} } as unknown as Parameters<WrapStreamFn>[0];
    const pluginStreamFn = wrap(wrapContext);
    const noProbeStreamFn = createStreamWrapper({
      supervisor: noProbeSupervisor(config.baseUrl),
      loadConfig: configLoader(pluginConfig),
      defaultStreamFn: async () => hostStreamSimple,
    })(wrapContext);
    if (!pluginStreamFn || !noProbeStreamFn) throw new Error("the wrapper declined the inferrs provider");
    const model = { ...runtimeModelFor(MODEL, config, hubCacheDir({ HF_HOME: hfHome })) } as unknown as StreamModel;

    const paths: Record<PathName, () => Promise<Run>> = {
      plugin: () => consume(pluginStreamFn as StreamFn, model, yieldedAt),
      "plugin-noprobe": () => consume(noProbeStreamFn as StreamFn, model, yieldedAt),
      host: () => consume(inner, model, yieldedAt),
      direct: async () => ({ ...(await streamDirect(config.baseUrl, MODEL, "Tell me a story.")), lagMs: [], preRequestMs: Number.NaN }),
    };
    const labels: Record<PathName, string> = {
      plugin: "plugin wrapper + host transport",
      "plugin-noprobe": "plugin wrapper, acquire without probe (what-if)",
      host: "host transport alone",
      direct: "undici + eventsource-parser",
    };
    const runs: Record<PathName, Run[]> = { plugin: [], "plugin-noprobe": [], host: [], direct: [] };
    for (let round = 0; round < WARMUPS + RUNS; round++) {
      const warm = round < WARMUPS;
      measuring = !warm;
      for (const name of PATHS) {
        progress.step(`streaming: ${labels[name]} ${warm ? `warm-up ${round + 1}/${WARMUPS}` : `run ${round - WARMUPS + 1}/${RUNS}`}`);
        const run = await paths[name]();
        if (run.text.trim() !== ANSWER) throw new Error(`${name}: unexpected text ${JSON.stringify(run.text.slice(0, 80))}`);
        if (!warm) runs[name].push(run);
      }
    }

    measuring = false;
    progress.step(`streaming: where the time to first token goes (${DIAG_REPS} reps each)`);
    const breakdown = {
      resolveConfigMs: await timeRepeated(DIAG_REPS, () => configLoader(pluginConfig)({})),
      acquireMs: await timeRepeated(DIAG_REPS, async () => (await supervisor.acquire(MODEL, config)).release()),
      probeServerMs: await timeRepeated(DIAG_REPS, () => probeServer(config)),
      probeHealthMs: await timeRepeated(DIAG_REPS, () => probeHealth(config.origin)),
      listModelsMs: await timeRepeated(DIAG_REPS, () =>
        fetchServerModels({ baseUrl: config.baseUrl, apiKey: undefined, timeoutMs: 1000 }),
      ),
    };
    if (supervisor.status().spawns !== 1) throw new Error("the Supervisor restarted inferrs during the measurements");
    return {
      paths: {
        plugin: pathStats(runs.plugin),
        "plugin-noprobe": pathStats(runs["plugin-noprobe"]),
        host: pathStats(runs.host),
        direct: pathStats(runs.direct),
      },
      addedTtftMs: summarize(runs.plugin.map((run) => run.preRequestMs + run.lagMs[0]!)),
      addedTtftNoProbeMs: summarize(runs["plugin-noprobe"].map((run) => run.preRequestMs + run.lagMs[0]!)),
      firstTokenHoldMs: summarize(runs.plugin.map((run) => run.lagMs[0]!)),
      pairedTtftDiffMs: summarize(runs.plugin.map((run, i) => run.ttftMs - runs.host[i]!.ttftMs)),
      pairedTtftDiffNoProbeMs: summarize(runs["plugin-noprobe"].map((run, i) => run.ttftMs - runs.host[i]!.ttftMs)),
      inSituAcquireMs: summarize(inSituAcquire),
      wrapperLagMs: summarize(runs.plugin.flatMap((run) => run.lagMs)),
      breakdown,
      tokenDelayMs: TOKEN_DELAY_MS,
      runs: RUNS,
    };
  } finally {
    await supervisor.stop();
  }
}
