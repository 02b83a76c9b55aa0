// Figure 4: inferrs started on demand by the Supervisor, with a 2 s model load. Measures the
// time from /health turning 200 to the moment the plugin's request path calls the host transport
// (the request is sent), and how many servers 10 concurrent first requests spawn.
// The moment /health turns 200 is the emulator's own log line `Engine loop started` (µs wall
// clock, printed as the model becomes Ready); a 5 ms /health poller in this process cross-checks it.
import { resolveConfig } from "../../src/config/resolve.ts";
import type { StreamContext, StreamFn, StreamModel, WrapStreamFn } from "../../src/host-types.ts";
import { configLoader } from "../../src/inferrs/provider.ts";
import { EventChannel } from "../../src/request/event-channel.ts";
import { createStreamWrapper } from "../../src/inferrs/request/stream.ts";
import { Supervisor } from "../../src/inferrs/pool/supervisor.ts";
import { seedHfCache } from "../../tools/emulator/hf-cache.ts";
import { inferrsBin } from "../../tools/openclaw-host.ts";
import { freePort, healthStatus, onCleanup, startedPids, tempDir, usedPorts } from "./processes.ts";
import type { Progress } from "./progress.ts";
import { summarize, type Summary } from "./stats.ts";

export const LOAD_MS = 2000;
const POLL_MS = 5;
const REPS = 3;
const CONCURRENT = 10;
const MODEL = "google/gemma-4-E2B-it";

export const COLD_START_STEPS = 2 * REPS;

export type ColdStartResult = {
  /** Model Ready (emulator log) → the first request handed to the transport. */
  readyToRequestMs: Summary;
  /** Cross-check: /health 200 first seen by the 5 ms poller → the first request handed to the transport. */
  pollerToRequestMs: Summary;
  /** How late the 5 ms poller saw the 200 after the emulator logged Ready. */
  pollerLagMs: Summary;
  /** Spawn → /health 200, i.e. the emulated load plus process start. */
  spawnToReadyMs: Summary;
  /** 10 concurrent first requests: servers spawned per repetition. */
  spawns: number[];
  /** 10 concurrent first requests: /health 200 → the last of the 10 handed to the transport. */
  concurrentLastMs: Summary;
  loadMs: number;
  pollMs: number;
};

/** Polls /health every POLL_MS ms until it says 200. */
function pollHealth(origin: string): { ready: Promise<{ first200: number }>; stop(): void } {
  let stopped = false;
  const ready = (async () => {
    while (!stopped) {
      const status = await healthStatus(origin);
      if (status === 200) return { first200: performance.now() };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new Error("poller stopped before /health said 200");
  })();
  return { ready, stop: () => (stopped = true) };
}

type Rep = { ready: number; first200: number; sentAt: number[]; spawnedAt: number; spawns: number };

const READY_LINE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})(\d{3})Z\s+INFO inferrs::engine: Engine loop started/m;

/**
 * When the served emulator logged `Engine loop started`, on this process's performance.now()
 * timeline. The Supervisor keeps the server's last output lines for its error messages; the bench
 * peeks at them (white-box: not part of the Supervisor's API).
 */
function readyMoment(supervisor: Supervisor): number {
  const slots = (supervisor as unknown as { slots: Set<{ proc?: { output: { text(): string } } }> }).slots;
  const output = [...slots][0]?.proc?.output.text() ?? "";
  const match = READY_LINE.exec(output);
  if (!match) throw new Error(`no "Engine loop started" line in the server output:\n${output}`);
  const wallMs = Date.parse(`${match[1]}Z`) + Number(match[2]) / 1000;
  return wallMs - performance.timeOrigin;
}

async function coldStart(requests: number): Promise<Rep> {
  const port = await freePort();
  usedPorts.add(port);
  const hfHome = tempDir("cold-hf");
  seedHfCache(hfHome);
  const pluginConfig = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { HF_HOME: hfHome, INFERRS_EMU_LOAD_MS: String(LOAD_MS), NO_COLOR: "1" } },
  };
  const config = resolveConfig(pluginConfig);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("INFERRS_")) env[key] = value;
  const supervisor = new Supervisor({ env, stateDir: tempDir("cold-state") });
  onCleanup(() => supervisor.stop());
  const sentAt: number[] = [];
  // The host transport stand-in: notes when the request would be sent and answers at once.
  const transport = ((model: StreamModel) => {
    sentAt.push(performance.now());
    const stream = new EventChannel();
    const message = {
      role: "assistant",
      content: [],
      api: model.api,
      provider: model.provider,
      model: model.id,
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, totalTokens: 0, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } },
      stopReason: "stop",
      timestamp: Date.now(),
    };
    stream.push({ type: "done", reason: "stop", message } as never);
    return stream;
  }) as unknown as StreamFn;
  const wrap: WrapStreamFn = createStreamWrapper({
    supervisor,
    loadConfig: configLoader(pluginConfig),
    defaultStreamFn: async () => transport,
  });
  const streamFn = wrap({ provider: "inferrs", modelId: MODEL, streamFn: transport, config: {} } as unknown as Parameters<WrapStreamFn>[0])!;
  const model = { id: MODEL, provider: "inferrs", api: "openai-completions", baseUrl: config.baseUrl } as unknown as StreamModel;
  const context = { messages: [] } as unknown as StreamContext;

  const poller = pollHealth(config.origin);
  const spawnedAt = performance.now();
  try {
    const streams = await Promise.all(Array.from({ length: requests }, () => streamFn(model, context, {} as Parameters<StreamFn>[2])));
    for (const stream of streams) {
      const result = await stream.result();
      if (result.stopReason !== "stop") throw new Error(`cold start request failed: ${result.errorMessage}`);
    }
    const pid = supervisor.status().servers[0]?.pid;
    if (pid) startedPids.add(pid);
    const ready = readyMoment(supervisor);
    const { first200 } = await poller.ready;
    return { ready, first200, sentAt, spawnedAt, spawns: supervisor.status().spawns };
  } finally {
    poller.stop();
    await poller.ready.catch(() => undefined);
    await supervisor.stop();
  }
}

export async function benchColdStart(progress: Progress): Promise<ColdStartResult> {
  const single: Rep[] = [];
  const concurrent: Rep[] = [];
  for (let rep = 1; rep <= REPS; rep++) {
    progress.step(`cold start: 1 request, ${LOAD_MS} ms load, rep ${rep}/${REPS}`);
    single.push(await coldStart(1));
    progress.step(`cold start: ${CONCURRENT} concurrent first requests, rep ${rep}/${REPS}`);
    concurrent.push(await coldStart(CONCURRENT));
  }
  const all = [...single, ...concurrent];
  return {
    readyToRequestMs: summarize(all.map((rep) => Math.min(...rep.sentAt) - rep.ready)),
    pollerToRequestMs: summarize(all.map((rep) => Math.min(...rep.sentAt) - rep.first200)),
    pollerLagMs: summarize(all.map((rep) => rep.first200 - rep.ready)),
    spawnToReadyMs: summarize(all.map((rep) => rep.ready - rep.spawnedAt)),
    spawns: concurrent.map((rep) => rep.spawns),
    concurrentLastMs: summarize(concurrent.map((rep) => Math.max(...rep.sentAt) - rep.ready)),
    loadMs: LOAD_MS,
    pollMs: POLL_MS,
  };
}
