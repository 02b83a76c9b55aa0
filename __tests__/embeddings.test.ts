// The `inferrs` embedding provider (src/embeddings/*) against real emulator processes, started
// through the real supervisor; outcomes are read from the emulator's request log and the vectors.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { DEFAULT_EMBEDDING_MODEL, EMBEDDING_BATCH_MAX_INPUTS } from "../src/defaults.ts";
import { createEmbeddingAdapter } from "../src/embeddings/provider.ts";
import type { EmbeddingProvider } from "../src/host-types.ts";
import { isAlive } from "../src/service/pid-record.ts";
import { Supervisor } from "../src/service/supervisor.ts";
import { freePort, inferrsBin, makeHfHome, makeTempDir, removeTempDirs, startEmulator, stopAllEmulators } from "./support/emulator.ts";

type LogLine = { event: string; path?: string; pid?: number; argv?: string[]; body?: { input?: unknown } };

let hfHome: string;
const supervisors: Supervisor[] = [];

beforeAll(() => {
  hfHome = makeHfHome();
});

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
  await stopAllEmulators();
});

afterAll(removeTempDirs);

/** An adapter wired to its own supervisor and emulator command, as the plugin wires it. */
async function rig(serviceEnv: Record<string, string> = {}, supervisor?: Supervisor) {
  const port = await freePort();
  const requestLog = join(makeTempDir(), "requests.jsonl");
  const pluginConfig = {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { HF_HOME: hfHome, INFERRS_EMU_LOAD_MS: "150", INFERRS_EMU_REQUEST_LOG: requestLog, ...serviceEnv } },
  };
  const sup = supervisor ?? new Supervisor({ env: process.env, stateDir: makeTempDir() });
  supervisors.push(sup);
  const adapter = createEmbeddingAdapter({ pluginConfig, supervisor: sup });
  const create = async (model?: string): Promise<EmbeddingProvider> =>
    (await adapter.create({ config: { plugins: { entries: { inferrs: { config: pluginConfig } } } } as never, model: model ?? "" })).provider!;
  const log = (): LogLine[] =>
    existsSync(requestLog) ? readFileSync(requestLog, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)) : [];
  return { port, adapter, create, log, requestLog };
}

const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

test("create starts nothing; embedBatch starts the default model and posts the inputs in capped batches", async () => {
  const { adapter, create, log, port } = await rig();
  expect(adapter).toMatchObject({ id: "inferrs", defaultModel: DEFAULT_EMBEDDING_MODEL, transport: "local" });
  const provider = await create();
  expect(provider).toMatchObject({ id: "inferrs", model: DEFAULT_EMBEDDING_MODEL, dimensions: undefined });
  expect(log()).toEqual([]);

  const texts = Array.from({ length: EMBEDDING_BATCH_MAX_INPUTS + 8 }, (_, i) => `note ${i} about the deploy key`);
  const vectors = await provider.embedBatch(texts);
  expect(vectors).toHaveLength(texts.length);
  expect(provider.dimensions).toBe(1024);
  for (const vector of vectors) expect(dot(vector, vector)).toBeCloseTo(1, 4);

  const lines = log();
  expect(lines.filter((line) => line.event === "start").map((line) => line.argv)).toEqual([
    ["serve", DEFAULT_EMBEDDING_MODEL, "--host", "127.0.0.1", "--port", String(port), "--device", "cpu"],
  ]);
  const posts = lines.filter((line) => line.path === "/v1/embeddings");
  expect(posts.map((line) => (line.body!.input as string[]).length)).toEqual([EMBEDDING_BATCH_MAX_INPUTS, 8]);
  expect(posts.flatMap((line) => line.body!.input as string[])).toEqual(texts);
});

test("a query lands nearest the note it shares words with", async () => {
  const { create } = await rig();
  const provider = await create("inferrs/Qwen/Qwen3-Embedding-0.6B");
  expect(provider.model).toBe(DEFAULT_EMBEDDING_MODEL);
  const [deploy, bananas] = await provider.embedBatch(["The deploy key lives in the vault.", { text: "Bananas are yellow." }]);
  const query = await provider.embed("where is the deploy key?");
  expect(dot(query, deploy!)).toBeGreaterThan(dot(query, bananas!));
});

test.each([
  ["-rf", "it starts with '-', so inferrs would read it as a flag"],
  ["--host=0.0.0.0", "it starts with '-', so inferrs would read it as a flag"],
  ["../models/evil", "it looks like a file path"],
  ["/etc/passwd", "it looks like a file path"],
  ["org/name/extra", "it looks like a file path"],
  ["Qwen/Qwen3 Embedding", "it is not a Hugging Face model id"],
])("the model id %j is refused before anything starts", async (model, why) => {
  const { create, log } = await rig();
  await expect(create(model)).rejects.toThrow(why);
  await expect(create(model)).rejects.toThrow(`Set memory.search.model to an id such as "${DEFAULT_EMBEDDING_MODEL}"`);
  expect(log()).toEqual([]);
});

test("an input inferrs cannot tokenize is named in the error", async () => {
  const { create } = await rig();
  const provider = await create();
  await expect(provider.embedBatch(["first note", "second note", "", "fourth note"])).rejects.toThrow(
    /^inferrs could not embed input 3 of 4 \(""\): tokenization failed: /,
  );
});

test("a failed load reports inferrs' own message, and the server is stopped", async () => {
  const { create, log } = await rig({ INFERRS_EMU_LOAD_FAIL: "unsupported architecture: qwen3" });
  const provider = await create();
  await expect(provider.embed("hello")).rejects.toThrow(/Model load failed: unsupported architecture: qwen3/);
  const started = log().filter((line) => line.event === "start");
  expect(started).toHaveLength(1);
  expect(isAlive(started[0]!.pid!)).toBe(false);
});

test("a 503 while the model loads is waited out through /health", async () => {
  const port = await freePort();
  const server = await startEmulator({ model: DEFAULT_EMBEDDING_MODEL, port, hfHome, env: { INFERRS_EMU_LOAD_MS: "600" } });
  // A lease handed out before the load ended (the pool may do this for a server it just saw up).
  const supervisor = new Supervisor({ env: process.env, stateDir: makeTempDir() });
  const config = resolveConfig({ baseUrl: `http://127.0.0.1:${port}/v1` });
  supervisor.acquire = async () => ({ baseUrl: config.baseUrl, release: () => undefined });
  const adapter = createEmbeddingAdapter({ pluginConfig: { baseUrl: config.baseUrl }, supervisor });
  const provider = (await adapter.create({ config: {} as never, model: "" })).provider!;
  expect((await fetch(`${server.baseUrl}/health`)).status).toBe(503);
  expect(await provider.embed("hello")).toHaveLength(1024);
});
