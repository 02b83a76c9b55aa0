// The `inferrs` embedding provider (src/inferrs/embeddings/*) against real emulator processes, started
// through the real supervisor; outcomes are read from the emulator's request log and the vectors.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { DEFAULT_EMBEDDING_MODEL, EMBEDDING_BATCH_MAX_INPUTS } from "../src/inferrs/defaults.ts";
import { createEmbeddingAdapter } from "../src/inferrs/embeddings/provider.ts";
import { embeddingServerPlan } from "../src/inferrs/embeddings/server-choice.ts";
import type { EmbeddingProvider } from "../src/host-types.ts";
import { isAlive } from "../src/service/pid-record.ts";
import { Supervisor } from "../src/inferrs/pool/supervisor.ts";
import { freePort, inferrsBin, makeHfHome, makeTempDir, removeTempDirs, startEmulator, stopAllEmulators } from "./support/emulator.ts";

type LogLine = { event: string; path?: string; pid?: number; port?: number; argv?: string[]; body?: { input?: unknown } };

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
    ["serve", "--host", "127.0.0.1", "--port", expect.any(String), "--device", "cpu", "--", DEFAULT_EMBEDDING_MODEL],
  ]);
  // Its own server, on a free port: baseUrl's port stays for the chat models.
  expect(lines.find((line) => line.event === "start")!.port).not.toBe(port);
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
  // Through OpenClaw's environment: a service.env value this long would be masked as a possible secret.
  const supervisor = new Supervisor({ env: { ...process.env, INFERRS_EMU_LOAD_FAIL: "unsupported architecture: qwen3" }, stateDir: makeTempDir() });
  const { create, log } = await rig({}, supervisor);
  const provider = await create();
  await expect(provider.embed("hello")).rejects.toThrow(/Model load failed: unsupported architecture: qwen3/);
  const started = log().filter((line) => line.event === "start");
  expect(started).toHaveLength(1);
  expect(isAlive(started[0]!.pid!)).toBe(false);
});

test("a 503 while the model loads is waited out through /health", async () => {
  const port = await freePort();
  const server = await startEmulator({ model: DEFAULT_EMBEDDING_MODEL, port, hfHome, env: { INFERRS_EMU_LOAD_MS: "3000" } });
  // A lease handed out before the load ended (the pool may do this for a server it just saw up).
  const supervisor = new Supervisor({ env: process.env, stateDir: makeTempDir() });
  const config = resolveConfig({ baseUrl: `http://127.0.0.1:${port}/v1` });
  supervisor.acquire = async () => ({ baseUrl: config.baseUrl, release: () => undefined, serverExit: async () => undefined });
  const adapter = createEmbeddingAdapter({ pluginConfig: { baseUrl: config.baseUrl, service: { command: inferrsBin } }, supervisor });
  const provider = (await adapter.create({ config: {} as never, model: "" })).provider!;
  expect((await fetch(`${server.baseUrl}/health`)).status).toBe(503);
  expect(await provider.embed("hello")).toHaveLength(1024);
});

/** A provider whose lease points at a stub HTTP server answering POST /v1/embeddings with `answer()`. */
async function stubbed(answer: (inputs: string[]) => { status: number; body: unknown }) {
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString()));
    req.on("end", () => {
      const { status, body } = answer((JSON.parse(raw) as { input: string[] }).input);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const supervisor = new Supervisor({ env: process.env, stateDir: makeTempDir() });
  supervisor.acquire = async () => ({ baseUrl, release: () => undefined, serverExit: async () => undefined });
  // A command that resolves: OpenClaw may start a server, so the (stubbed) supervisor is asked.
  const adapter = createEmbeddingAdapter({ pluginConfig: { baseUrl, service: { command: inferrsBin } }, supervisor });
  const provider = (await adapter.create({ config: {} as never, model: "" })).provider!;
  return { provider, close: () => new Promise((resolve) => server.close(resolve)) };
}

const list = (vectors: unknown[]) => ({ status: 200, body: { object: "list", data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })) } });

test.each([
  ["one vector short", (inputs: string[]) => list(inputs.slice(1).map(() => [1, 0])), "1 embeddings for 2 inputs"],
  ["a vector with a string", (inputs: string[]) => list(inputs.map(() => [1, "x"])), "is not a list of finite numbers"],
  ["vectors of two widths", () => list([[1, 0], [1, 0, 0]]), "embeddings of different widths"],
  ["a string for a body", () => ({ status: 200, body: "<html>" }), 'no "data" list'],
  ["another status", () => ({ status: 422, body: "missing field `input`" }), "inferrs did not embed with Qwen/Qwen3-Embedding-0.6B: POST"],
])("an answer with %s is refused, never passed on", async (_case, answer, message) => {
  const { provider, close } = await stubbed(answer);
  try {
    await expect(provider.embedBatch(["a", "b"])).rejects.toThrow(message);
  } finally {
    await close();
  }
});

test("a change of vector width between answers is an error that says the server changed model", async () => {
  let width = 4;
  const { provider, close } = await stubbed((inputs) => list(inputs.map(() => Array.from({ length: width }, () => 0.5))));
  try {
    expect(await provider.embed("a")).toHaveLength(4);
    width = 8;
    await expect(provider.embed("b")).rejects.toThrow("inferrs answered 8-dimensional embeddings, but Qwen/Qwen3-Embedding-0.6B gave 4 before");
  } finally {
    await close();
  }
});

describe("a server the user runs (OpenClaw may not start one)", () => {
  /** An adapter whose supervisor must never be asked: OpenClaw starts nothing here. */
  function userRig(pluginConfig: Record<string, unknown>) {
    const supervisor = new Supervisor({ env: process.env, stateDir: makeTempDir() });
    supervisors.push(supervisor);
    let acquired = 0;
    supervisor.acquire = async () => {
      acquired++;
      throw new Error("the supervisor was asked for a server");
    };
    const adapter = createEmbeddingAdapter({ pluginConfig, supervisor });
    const create = async (model = "") => (await adapter.create({ config: {} as never, model })).provider!;
    return { create, acquired: () => acquired };
  }

  /** A stand-in inferrs: /health 200, /v1/models with `loaded` marked, and `embeddings` for POST /v1/embeddings. */
  async function fakeInferrs(loaded: string | undefined, embeddings: (response: import("node:http").ServerResponse) => void) {
    const server = createServer((request, response) => {
      if (request.url === "/health") return void response.end('{"status":"ok"}');
      if (request.url === "/v1/models") {
        const data = [DEFAULT_EMBEDDING_MODEL, "google/gemma-4-E2B-it"].map((id) => ({
          id,
          object: "model",
          owned_by: id === loaded ? "inferrs (loaded)" : "inferrs",
        }));
        return void response.end(JSON.stringify({ object: "list", data }));
      }
      request.resume();
      embeddings(response);
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    closers.push(() => {
      server.closeAllConnections();
      server.close();
    });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  }
  const closers: Array<() => void> = [];
  afterEach(() => closers.splice(0).forEach((close) => close()));

  test("with service.autoStart false, the user's own embedding server at baseUrl is used and nothing is started", async () => {
    const port = await freePort();
    const user = await startEmulator({ model: DEFAULT_EMBEDDING_MODEL, port, hfHome });
    await user.waitForHealth(200);
    const { create, acquired } = userRig({ baseUrl: `http://127.0.0.1:${port}/v1`, service: { autoStart: false } });
    const vectors = await (await create()).embedBatch(["the deploy key", "lunch was a banana"]);
    expect(vectors.map((vector) => vector.length)).toEqual([1024, 1024]);
    expect(acquired()).toBe(0);
  });

  test("with nothing at baseUrl, the error says why OpenClaw will not start one and how to start it", async () => {
    const port = await freePort();
    const { create, acquired } = userRig({ baseUrl: `http://127.0.0.1:${port}/v1`, service: { autoStart: false } });
    await expect((await create()).embed("hello")).rejects.toThrow(
      `memory search needs an inferrs server for ${DEFAULT_EMBEDDING_MODEL}, but none answers at http://127.0.0.1:${port} (connection refused), ` +
        "and OpenClaw will not start one: plugins.entries.inferrs.config.service.autoStart is false. " +
        `Start it yourself with \`inferrs serve ${DEFAULT_EMBEDDING_MODEL} --host 127.0.0.1 --port ${port}\`.`,
    );
    expect(acquired()).toBe(0);
  });

  test("a user's server that serves another model is refused with the reason, never asked to embed", async () => {
    let posts = 0;
    const baseUrl = await fakeInferrs("google/gemma-4-E2B-it", (response) => void (posts++, response.end("{}")));
    const { create } = userRig({ baseUrl, service: { autoStart: false } });
    await expect((await create()).embed("hello")).rejects.toThrow(
      new RegExp(`serves google/gemma-4-E2B-it, not ${DEFAULT_EMBEDDING_MODEL}: inferrs embeds with the model it has loaded`),
    );
    expect(posts).toBe(0);
  });

  test("a /v1/embeddings that never answers fails within embeddings.timeoutMs, naming the server and port", async () => {
    const baseUrl = await fakeInferrs(DEFAULT_EMBEDDING_MODEL, () => {}); // holds every request open
    const { create } = userRig({ baseUrl, service: { autoStart: false }, embeddings: { timeoutMs: 1000 } });
    const started = Date.now();
    const failure = await (await create()).embed("hello").catch((error: Error) => error);
    const { host } = new URL(baseUrl);
    expect((failure as Error).message).toBe(
      `inferrs at ${host} did not answer POST ${baseUrl}/embeddings within 1000 ms (plugins.entries.inferrs.config.embeddings.timeoutMs): ` +
        "check that server (`openclaw inferrs status`), restart it, or raise plugins.entries.inferrs.config.embeddings.timeoutMs if it is only slow.",
    );
    // Not one of the words OpenClaw retries on: the bound holds for the whole index run.
    expect((failure as Error).message).not.toMatch(/timed out|ETIMEDOUT|UND_ERR_/i);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  test("a daemon-mode inferrs is refused with why and what to do, as it answers with nothing loaded and with a worker", async () => {
    for (const [status, error] of [
      [503, "no model loaded"],
      [500, "unexpected proxy backend in worker context"],
    ] as const) {
      const baseUrl = await fakeInferrs(undefined, (response) => {
        response.statusCode = status;
        response.end(JSON.stringify({ error }));
      });
      const { create } = userRig({ baseUrl, service: { autoStart: false } });
      await expect((await create()).embed("hello")).rejects.toThrow(
        `inferrs at ${new URL(baseUrl).origin} runs as a daemon (\`inferrs serve\` without a model), which cannot embed (HTTP ${status}: ${error}). ` +
          `Memory search needs a worker server of its own: run \`inferrs serve ${DEFAULT_EMBEDDING_MODEL} --host 127.0.0.1 --port <port>\` ` +
          "and point plugins.entries.inferrs.config.baseUrl at it, or let OpenClaw start one (a loopback baseUrl and service.autoStart not false).",
      );
    }
  });
});

test("whether OpenClaw may start an embedding server is decided from the config alone, before any port or request", () => {
  const env = { PATH: "/nonexistent" };
  const remote = resolveConfig({ baseUrl: "http://192.168.1.20:8080/v1", service: { command: inferrsBin } });
  expect(embeddingServerPlan(remote, env)).toEqual({
    start: false,
    why: "baseUrl http://192.168.1.20:8080/v1 is not a loopback address",
  });
  expect(embeddingServerPlan(resolveConfig({ service: { autoStart: false, command: inferrsBin } }), env)).toEqual({
    start: false,
    why: "plugins.entries.inferrs.config.service.autoStart is false",
  });
  expect(embeddingServerPlan(resolveConfig({ service: { command: inferrsBin } }), env)).toEqual({ start: true });
});

test("hostile memory.search.model values are refused naming memory.search.model, before anything starts", async () => {
  const supervisor = new Supervisor({ env: process.env, stateDir: makeTempDir() });
  supervisors.push(supervisor);
  supervisor.acquire = async () => {
    throw new Error("the supervisor was asked for a server");
  };
  const adapter = createEmbeddingAdapter({ pluginConfig: {}, supervisor });
  for (const model of ["--help", "../x", "/etc/passwd", "a/b/c", "inferrs/--help", "x;rm -rf /", "~/models/x"]) {
    const failure = await adapter.create({ config: {} as never, model }).catch((error: Error) => error);
    expect({ model, message: (failure as Error).message }).toEqual({
      model,
      message: expect.stringMatching(/^memory\.search\.model is ".+", which OpenClaw will not pass to inferrs: .+\. Set memory\.search\.model to an id such as "Qwen\/Qwen3-Embedding-0\.6B"/),
    });
  }
});
