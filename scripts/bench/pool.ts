// Figure 5: a gateway alternating two inferrs models, with service.maxServers 1 vs 2, side by side.
// Each request is a real Supervisor lease (the plugin's request path holds one per stream) on
// servers the Supervisor starts from the emulator with a short load; spawns and wall time are counted.
import { resolveConfig } from "../../src/config/resolve.ts";
import { Supervisor } from "../../src/inferrs/pool/supervisor.ts";
import { seedHfCache } from "../../tools/emulator/hf-cache.ts";
import { inferrsBin } from "../../tools/openclaw-host.ts";
import { freePort, onCleanup, startedPids, tempDir, usedPorts } from "./processes.ts";
import type { Progress } from "./progress.ts";

export const POOL_LOAD_MS = 500;
/** How long each request holds its server (a short answer). */
const REQUEST_MS = 50;
const REQUESTS = 10;
const MODELS = ["google/gemma-4-E2B-it", "Qwen/Qwen3-0.6B"];

export type PoolRun = { maxServers: number; pattern: "sequential" | "concurrent"; spawns: number; wallMs: number };
export type PoolResult = { runs: PoolRun[]; loadMs: number; requests: number; requestMs: number };

export const POOL_STEPS = 4;

async function alternate(maxServers: number, pattern: PoolRun["pattern"]): Promise<PoolRun> {
  const port = await freePort();
  usedPorts.add(port);
  const hfHome = tempDir("pool-hf");
  seedHfCache(hfHome);
  const config = resolveConfig({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, maxServers, env: { HF_HOME: hfHome, INFERRS_EMU_LOAD_MS: String(POOL_LOAD_MS) } },
  });
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("INFERRS_")) env[key] = value;
  const supervisor = new Supervisor({ env, stateDir: tempDir("pool-state") });
  onCleanup(() => supervisor.stop());
  const request = async (i: number) => {
    const lease = await supervisor.acquire(MODELS[i % 2]!, config);
    for (const server of supervisor.status().servers) startedPids.add(server.pid);
    await new Promise((resolve) => setTimeout(resolve, REQUEST_MS));
    lease.release();
  };
  const started = performance.now();
  try {
    if (pattern === "concurrent") await Promise.all(Array.from({ length: REQUESTS }, (_, i) => request(i)));
    else for (let i = 0; i < REQUESTS; i++) await request(i);
    return { maxServers, pattern, spawns: supervisor.status().spawns, wallMs: performance.now() - started };
  } finally {
    await supervisor.stop();
  }
}

export async function benchPool(progress: Progress): Promise<PoolResult> {
  const runs: PoolRun[] = [];
  for (const pattern of ["sequential", "concurrent"] as const) {
    for (const maxServers of [1, 2]) {
      progress.step(`pool: ${REQUESTS} ${pattern} requests alternating 2 models, maxServers ${maxServers}`);
      runs.push(await alternate(maxServers, pattern));
    }
  }
  return { runs, loadMs: POOL_LOAD_MS, requests: REQUESTS, requestMs: REQUEST_MS };
}
