// Figure 2: live discovery in-process (discoverModels + resolveConfig), against tiny local
// servers: one model, 1,000 models, nothing listening, and a server that accepts and never answers.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Socket } from "node:net";
import { resolveConfig } from "../../src/config/resolve.ts";
import { discoverModels, type Discovery } from "../../src/inferrs/discovery/catalog.ts";
import { hubCacheDir, listCachedModelIds } from "../../src/inferrs/discovery/hf-cache.ts";
import { buildModelEntry, modelEntryFor } from "../../src/inferrs/discovery/model-entry.ts";
import { parseModelList } from "../../src/inferrs/discovery/server-models.ts";
import { DEFAULT_SEED_MODELS, seedHfCache } from "../../tools/emulator/hf-cache.ts";
import { freePort, tempDir } from "./processes.ts";
import type { Progress } from "./progress.ts";
import { summarize, type Summary } from "./stats.ts";

export const HANG_TIMEOUT_MS = 500;
const WARMUPS = 5;
const REPS = 50;
const HANG_REPS = 5;

export type DiscoveryCase = {
  key: "one" | "one-seeded" | "thousand" | "down" | "hang";
  label: string;
  ms: Summary;
  models: number;
  target: { ms: number; exact?: boolean };
};

/** Where the 1,000-model discovery spends its time, each part timed on its own. */
export type ThousandBreakdown = {
  /** JSON.parse + validation of the 1,000-entry body. */
  parseMs: Summary;
  /** One listing of the (empty) HF cache + 1,000 × modelEntryFor, as discoverModels does it. */
  entriesMs: Summary;
  /** 1,000 × buildModelEntry with no file access at all. */
  entriesNoFsMs: Summary;
};

export type DiscoveryResult = { cases: DiscoveryCase[]; thousand: ThousandBreakdown };

export const DISCOVERY_STEPS = 6;

function timeSync(reps: number, task: () => unknown): Summary {
  for (let i = 0; i < 5; i++) task();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    task();
    times.push(performance.now() - started);
  }
  return summarize(times);
}

function thousandBreakdown(body: Buffer, emptyHf: string): ThousandBreakdown {
  const text = body.toString("utf8");
  const url = "http://127.0.0.1/v1/models";
  const ids = parseModelList(text, url).ids;
  const config = resolveConfig({});
  const hubDir = hubCacheDir({ HF_HOME: emptyHf });
  return {
    parseMs: timeSync(REPS, () => parseModelList(text, url)),
    entriesMs: timeSync(REPS, () => {
      const cached = new Set(listCachedModelIds(hubDir));
      return ids.map((id) => modelEntryFor(id, config, hubDir, cached));
    }),
    entriesNoFsMs: timeSync(REPS, () => ids.map((id) => buildModelEntry(id, undefined, config.models[id], config.service.args))),
  };
}

function modelList(count: number): Buffer {
  const data = Array.from({ length: count }, (_, i) => ({
    id: count === 1 ? "google/gemma-4-E2B-it" : `org-${Math.floor(i / 100)}/model-${i}`,
    object: "model",
    created: 1776000000,
    owned_by: i === 0 ? "inferrs (loaded)" : "inferrs",
  }));
  return Buffer.from(JSON.stringify({ object: "list", data }));
}

/** A server answering GET /v1/models with a fixed, pre-serialized list (its own cost stays tiny). */
function listServer(body: Buffer): Promise<{ server: Server; port: number }> {
  const server = createHttpServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port })));
}

/** Accepts connections and never writes a byte. */
function hangServer(): Promise<{ close(): Promise<void>; port: number }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.once("close", () => sockets.delete(socket));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () => {
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      }),
    ),
  );
}

async function timeDiscovery(
  baseUrl: string,
  hfHome: string,
  reps: number,
  warmups: number,
  timeoutMs?: number,
): Promise<{ ms: Summary; last: Discovery }> {
  const config = resolveConfig({ baseUrl, ...(timeoutMs ? { discoveryTimeoutMs: timeoutMs } : {}) });
  const env = { HF_HOME: hfHome };
  let last: Discovery | undefined;
  for (let i = 0; i < warmups; i++) last = await discoverModels(config, env);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const started = performance.now();
    last = await discoverModels(config, env);
    times.push(performance.now() - started);
  }
  return { ms: summarize(times), last: last! };
}

export async function benchDiscovery(progress: Progress): Promise<DiscoveryResult> {
  const emptyHf = tempDir("disc-empty-hf");
  const seededHf = tempDir("disc-seeded-hf");
  seedHfCache(seededHf);
  const one = await listServer(modelList(1));
  const thousandBody = modelList(1000);
  const thousand = await listServer(thousandBody);
  const hang = await hangServer();
  const cases: DiscoveryCase[] = [];
  const expect = (label: string, discovery: Discovery, models: number, reachable: boolean) => {
    if (discovery.models.length !== models || discovery.reachable !== reachable) {
      throw new Error(`${label}: expected ${models} models (reachable ${reachable}), got ${discovery.models.length} (reachable ${discovery.reachable}): ${discovery.warnings.join("; ")}`);
    }
  };
  try {
    progress.step(`discovery: 1 model, empty HF cache (${REPS} reps)`);
    let r = await timeDiscovery(`http://127.0.0.1:${one.port}/v1`, emptyHf, REPS, WARMUPS);
    expect("1 model", r.last, 1, true);
    cases.push({ key: "one", label: "1 model listed (empty HF cache)", ms: r.ms, models: 1, target: { ms: 5 } });

    progress.step(`discovery: 1 model, seeded HF cache (${REPS} reps)`);
    r = await timeDiscovery(`http://127.0.0.1:${one.port}/v1`, seededHf, REPS, WARMUPS);
    expect("1 model seeded", r.last, 1, true);
    cases.push({ key: "one-seeded", label: "1 model listed (seeded HF cache: config.json read)", ms: r.ms, models: 1, target: { ms: 5 } });

    progress.step(`discovery: 1,000 models, empty HF cache (${REPS} reps)`);
    r = await timeDiscovery(`http://127.0.0.1:${thousand.port}/v1`, emptyHf, REPS, WARMUPS);
    expect("1,000 models", r.last, 1000, true);
    cases.push({ key: "thousand", label: "1,000 models listed (empty HF cache)", ms: r.ms, models: 1000, target: { ms: 50 } });

    progress.step(`discovery: server down, connection refused, seeded HF cache (${REPS} reps)`);
    const downPort = await freePort();
    r = await timeDiscovery(`http://127.0.0.1:${downPort}/v1`, seededHf, REPS, WARMUPS);
    expect("down", r.last, DEFAULT_SEED_MODELS.length, false);
    if (!r.last.warnings.some((warning) => warning.includes("connection refused"))) throw new Error(`down: ${r.last.warnings.join("; ")}`);
    const cached = DEFAULT_SEED_MODELS.length;
    cases.push({ key: "down", label: `server down (refused; lists the ${cached} cached models)`, ms: r.ms, models: cached, target: { ms: 300 } });

    progress.step(`discovery: server accepts and never answers, discoveryTimeoutMs ${HANG_TIMEOUT_MS} (${HANG_REPS} reps)`);
    r = await timeDiscovery(`http://127.0.0.1:${hang.port}/v1`, emptyHf, HANG_REPS, 1, HANG_TIMEOUT_MS);
    expect("hang", r.last, 0, false);
    if (!r.last.warnings.some((warning) => warning.includes(`within ${HANG_TIMEOUT_MS} ms`))) throw new Error(`hang: ${r.last.warnings.join("; ")}`);
    cases.push({ key: "hang", label: `server never answers (discoveryTimeoutMs ${HANG_TIMEOUT_MS})`, ms: r.ms, models: 0, target: { ms: HANG_TIMEOUT_MS, exact: true } });
  } finally {
    one.server.closeAllConnections();
    thousand.server.closeAllConnections();
    await Promise.all([
      new Promise((done) => one.server.close(done)),
      new Promise((done) => thousand.server.close(done)),
      hang.close(),
    ]);
  }
  progress.step(`discovery: 1,000 models, parts timed on their own (${REPS} reps)`);
  return { cases, thousand: thousandBreakdown(thousandBody, emptyHf) };
}
