// The inferrs emulator, run as a real process through tools/bin/inferrs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  chat,
  type Emulator,
  freePort,
  makeHfHome,
  makeTempDir,
  removeTempDirs,
  startEmulator,
  stopAllEmulators,
} from "./support/emulator.ts";

afterAll(async () => {
  await stopAllEmulators();
  removeTempDirs();
});

interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: unknown;
}

/** Splits an SSE body into its `data:` payloads, checking the framing on the way. */
function sseData(body: string): string[] {
  expect(body.endsWith("\n\n")).toBe(true);
  const events = body.slice(0, -2).split("\n\n");
  return events.map((e) => {
    expect(e.startsWith("data: ")).toBe(true);
    expect(e.includes("\n")).toBe(false);
    return e.slice("data: ".length);
  });
}

describe("a served model (google/gemma-4-E2B-it)", () => {
  let emu: Emulator;
  let requestLog: string;

  beforeAll(async () => {
    requestLog = join(makeTempDir(), "requests.jsonl");
    emu = await startEmulator({
      model: "google/gemma-4-E2B-it",
      hfHome: makeHfHome(["google/gemma-4-E2B-it", "Qwen/Qwen3-0.6B", { id: "google/gemma-3-1b-it", mtime: new Date(1_700_000_000_000) }]),
      env: { INFERRS_EMU_LOAD_MS: "300", INFERRS_EMU_REQUEST_LOG: requestLog },
    });
  });

  it("answers /health 503 loading while the model loads, then 200 ok", async () => {
    // Its own server whose load outlasts the test: the 503 does not depend on the machine's speed.
    const slow = await startEmulator({ model: "google/gemma-4-E2B-it", hfHome: makeHfHome(["google/gemma-4-E2B-it"]), env: { INFERRS_EMU_LOAD_MS: "600000" } });
    const loading = await fetch(`${slow.baseUrl}/health`);
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ status: "loading" });
    await slow.stop();

    await emu.waitForHealth(200);
    const ready = await fetch(`${emu.baseUrl}/health`);
    expect(await ready.json()).toEqual({ status: "ok" });
  });

  it("logs startup in inferrs' order, with the KV cache capacity from config.json", () => {
    const lines = emu.stdout().split("\n");
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z  INFO inferrs: Starting inferrs server for model: google\/gemma-4-E2B-it$/);
    expect(at(/INFO inferrs::server: Server listening on 127\.0\.0\.1:\d+$/)).toBe(1);
    expect(at(/Model KV cache capacity: 131072 tokens$/)).toBeGreaterThan(1);
    expect(at(/Engine loop started \(continuous batching, max_batch_size=1, paged=false\)$/)).toBeGreaterThan(at(/KV cache capacity/));
  });

  it("lists every cached model sorted by id, the served one marked loaded", async () => {
    const res = await fetch(`${emu.baseUrl}/v1/models`);
    const body = (await res.json()) as { object: string; data: Array<Record<string, unknown>> };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toEqual(["Qwen/Qwen3-0.6B", "google/gemma-3-1b-it", "google/gemma-4-E2B-it"]);
    expect(body.data.map((m) => m.owned_by)).toEqual(["inferrs", "inferrs", "inferrs (loaded)"]);
    expect(body.data[1]).toEqual({ id: "google/gemma-3-1b-it", object: "model", created: 1_700_000_000, owned_by: "inferrs" });
  });

  it("answers a chat completion with the loaded model, whatever model was asked for", async () => {
    const res = await chat(emu, { model: "gpt-4", messages: [{ role: "user", content: "What is 2 + 2?" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as Record<string, any>;
    expect(body.id).toMatch(/^chatcmpl-[0-9a-f-]{36}$/);
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("google/gemma-4-E2B-it");
    expect(body.choices).toEqual([{ index: 0, message: { role: "assistant", content: "2 + 2 is 4." }, finish_reason: "stop" }]);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("streams SSE: a role chunk, content chunks, a finish chunk, then [DONE], under one id and without usage", async () => {
    const res = await chat(emu, { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "What is 2 + 2?" }] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const data = sseData(await res.text());
    expect(data[data.length - 1]).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.model === "google/gemma-4-E2B-it" && c.usage === undefined)).toBe(true);
    expect(chunks[0].choices).toEqual([{ index: 0, delta: { role: "assistant" }, finish_reason: null }]);
    expect(chunks[chunks.length - 1].choices).toEqual([{ index: 0, delta: {}, finish_reason: "stop" }]);
    const content = chunks.slice(1, -1).map((c) => c.choices[0].delta.content);
    expect(content.length).toBeGreaterThan(1);
    expect(content.join("")).toBe("2 + 2 is 4.");
  });

  it("accepts an array of content parts", async () => {
    const res = await chat(emu, { messages: [{ role: "user", content: [{ type: "text", text: "What is " }, { type: "text", text: "2 + 2?" }] }] });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).choices[0].message.content).toBe("2 + 2 is 4.");
  });

  it("rejects the developer role with axum's 422 text", async () => {
    const res = await chat(emu, '{"messages":[{"role":"developer","content":"hi"}]}');
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await res.text()).toBe(
      "Failed to deserialize the JSON body into the target type: messages[0].role: unknown variant `developer`, expected one of `system`, `user`, `assistant`, `tool`, `function` at line 1 column 32",
    );
  });

  it("rejects invalid JSON with 400 and a wrong content type with 415", async () => {
    const bad = await chat(emu, '{"messages":[');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe("Failed to parse the request body as JSON: messages: EOF while parsing a list at line 1 column 13");
    const noType = await fetch(`${emu.baseUrl}/v1/chat/completions`, { method: "POST", body: "{}" });
    expect(noType.status).toBe(415);
    expect(await noType.text()).toBe("Expected request with `Content-Type: application/json`");
  });

  it("honours max_tokens with finish_reason length", async () => {
    const res = await chat(emu, { max_tokens: 2, messages: [{ role: "user", content: "hello" }] });
    const body = (await res.json()) as Record<string, any>;
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.usage.completion_tokens).toBe(2);
  });

  it("folds tools into the prompt for Gemma and never returns tool_calls", async () => {
    const tools = [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object", properties: {} } } }];
    const res = await chat(emu, { tools, messages: [{ role: "user", content: "call get_weather" }] });
    const body = (await res.json()) as Record<string, any>;
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(emu.stdout()).toContain("tools provided — injecting as system context");
  });

  it("answers 404 with an empty body for unknown paths and 405 with allow for wrong methods", async () => {
    const missing = await fetch(`${emu.baseUrl}/v1/models/google/gemma-4-E2B-it`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("");
    const wrong = await fetch(`${emu.baseUrl}/health`, { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET,HEAD");
  });

  it("records the start (argv, pid) and every request in the request log", async () => {
    await fetch(`${emu.baseUrl}/api/version`, { headers: { "x-probe": "1" } });
    const lines = readFileSync(requestLog, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({
      event: "start",
      argv: ["serve", "--host", "127.0.0.1", "--port", String(emu.port), "google/gemma-4-E2B-it"],
      pid: emu.proc.pid,
      model: "google/gemma-4-E2B-it",
      host: "127.0.0.1",
      port: emu.port,
      device: "auto",
    });
    expect(lines.find((l) => l.path === "/v1/chat/completions" && l.body?.model === "gpt-4")).toMatchObject({ event: "request", method: "POST" });
    expect(lines[lines.length - 1]).toMatchObject({ event: "request", method: "GET", path: "/api/version", headers: { "x-probe": "1" } });
  });
});

describe("model loading", () => {
  afterEach(stopAllEmulators);

  it("keeps running after a failed load: /health 500, inference 500 with the load error", async () => {
    const emu = await startEmulator({ model: "google/gemma-3-1b-it", hfHome: makeHfHome(), env: { INFERRS_EMU_LOAD_FAIL: "out of memory" } });
    await emu.waitForHealth(500);
    expect(await (await fetch(`${emu.baseUrl}/health`)).json()).toEqual({ status: "error" });
    const res = await chat(emu, { messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { message: "Model load failed: out of memory", type: "server_error" } });
    expect(emu.stdout()).toMatch(/ERROR inferrs::server: Model load failed: out of memory/);
    expect(emu.proc.exitCode).toBeNull();
  });

  it("fails the load of an unknown --device like real inferrs", async () => {
    const emu = await startEmulator({ model: "Qwen/Qwen3-0.6B", extraArgs: ["--device", "tpu"], hfHome: makeHfHome() });
    await emu.waitForHealth(500);
    expect(emu.stdout()).toContain("Model load failed: Unknown device: tpu");
  });

  it("serves a request made while loading once the load ends", async () => {
    const emu = await startEmulator({ model: "Qwen/Qwen3-0.6B", hfHome: makeHfHome(), env: { INFERRS_EMU_LOAD_MS: "3000" } });
    expect((await fetch(`${emu.baseUrl}/health`)).status).toBe(503);
    const res = await chat(emu, { messages: [{ role: "user", content: "2 + 2" }] });
    expect(res.status).toBe(200);
    expect((await fetch(`${emu.baseUrl}/health`)).status).toBe(200);
  });

  it("downloads a model missing from the cache, or fails when the hub has none", async () => {
    const hfHome = makeHfHome([]);
    const found = await startEmulator({ model: "Qwen/Qwen3-4B", hfHome });
    await found.waitForHealth(200);
    const listed = (await (await fetch(`${found.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string; owned_by: string }> };
    expect(listed.data).toEqual([expect.objectContaining({ id: "Qwen/Qwen3-4B", owned_by: "inferrs (loaded)" })]);
    expect(found.stdout()).toContain("Model KV cache capacity: 40960 tokens");

    const missing = await startEmulator({ model: "nobody/nothing", hfHome, env: { INFERRS_EMU_MISSING: "nobody/nothing" } });
    await missing.waitForHealth(500);
    expect(missing.stdout()).toContain("Model load failed: Failed to list files in nobody/nothing: no config.json and repo.info() failed");
  });

  it("rejects a prompt longer than --max-seq-len with OpenAI's 400 JSON", async () => {
    const emu = await startEmulator({ model: "Qwen/Qwen3-0.6B", extraArgs: ["--max-seq-len", "32"], hfHome: makeHfHome() });
    await emu.waitForHealth(200);
    const res = await chat(emu, { messages: [{ role: "user", content: Array(40).fill("word").join(" ") }] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/^Prompt length \(\d+ tokens\) exceeds the model's maximum context length \(32 tokens\)\.$/);
  });
});

describe("embeddings (Qwen/Qwen3-Embedding-0.6B)", () => {
  const MODEL = "Qwen/Qwen3-Embedding-0.6B";
  afterEach(stopAllEmulators);

  type EmbeddingList = { object: string; model: string; data: Array<{ object: string; index: number; embedding: number[] }>; usage: Record<string, number> };
  const embed = (emu: Emulator, input: unknown) =>
    fetch(`${emu.baseUrl}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input }) });
  const dot = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

  it("answers 503 while loading, then the OpenAI list of unit vectors as wide as the model's hidden size", async () => {
    const emu = await startEmulator({ model: MODEL, hfHome: makeHfHome(), env: { INFERRS_EMU_LOAD_MS: "3000" } });
    const loading = await embed(emu, "hello");
    expect(loading.status).toBe(503);
    expect(await loading.json()).toEqual({ error: "model is loading" });

    await emu.waitForHealth(200);
    const res = await embed(emu, ["The cat sat on the mat.", "Quarterly revenue grew."]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as EmbeddingList;
    expect(body).toMatchObject({ object: "list", model: MODEL, usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) } });
    expect(body.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([["embedding", 0, 1024], ["embedding", 1, 1024]]);
    for (const d of body.data) expect(dot(d.embedding, d.embedding)).toBeCloseTo(1, 5);

    const single = (await (await embed(emu, "hello")).json()) as EmbeddingList;
    expect(single.data).toHaveLength(1);
  });

  it("is deterministic, and texts that share words are closer than unrelated ones", async () => {
    const emu = await startEmulator({ model: MODEL, hfHome: makeHfHome() });
    await emu.waitForHealth(200);
    const texts = ["The deploy key lives in the vault.", "Where does the deploy key live?", "Bananas are yellow fruit.", "The deploy key lives in the vault."];
    const [note, query, other, again] = ((await (await embed(emu, texts)).json()) as EmbeddingList).data.map((d) => d.embedding);
    expect(again).toEqual(note);
    expect(dot(note!, query!)).toBeGreaterThan(dot(note!, other!) + 0.2);
  });

  it("refuses an input without tokens with 400 tokenization failed", async () => {
    const emu = await startEmulator({ model: MODEL, hfHome: makeHfHome() });
    await emu.waitForHealth(200);
    const res = await embed(emu, ["fine", ""]);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/^tokenization failed: /);
  });

  it("answers 500 with the load error after a failed load", async () => {
    const emu = await startEmulator({ model: MODEL, hfHome: makeHfHome(), env: { INFERRS_EMU_LOAD_FAIL: "out of memory" } });
    await emu.waitForHealth(500);
    const res = await embed(emu, "hello");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "model load failed: out of memory" });
  });
});

describe("Qwen3.5 tool calls and thinking", () => {
  let emu: Emulator;
  const tools = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];

  beforeAll(async () => {
    emu = await startEmulator({ model: "Qwen/Qwen3.5-0.8B", hfHome: makeHfHome() });
    await emu.waitForHealth(200);
  });
  afterAll(stopAllEmulators);

  it("returns native tool_calls when the user asks for a tool by name", async () => {
    const res = await chat(emu, { tools, messages: [{ role: "user", content: 'Use get_weather with {"city":"Paris"}' }] });
    const body = (await res.json()) as Record<string, any>;
    expect(body.choices[0]).toEqual({
      index: 0,
      message: { role: "assistant", content: "", tool_calls: [{ id: "call_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      finish_reason: "tool_calls",
    });
  });

  it("streams the tool call as a start chunk, argument chunks and finish_reason tool_calls", async () => {
    const res = await chat(emu, { stream: true, tools, messages: [{ role: "user", content: "Use get_weather please" }] });
    const chunks = sseData(await res.text()).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks[1].choices[0].delta).toEqual({ tool_calls: [{ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: "" } }] });
    expect(chunks[2].choices[0].delta).toEqual({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] });
    expect(chunks[chunks.length - 1].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "tool_calls" });
  });

  it("streams reasoning_content before the answer for any non-null reasoning_effort, and none without one", async () => {
    const deltas = async (extra: Record<string, unknown>) => {
      const res = await chat(emu, { stream: true, messages: [{ role: "user", content: "What is 2 + 2?" }], ...extra });
      return sseData(await res.text()).slice(0, -1).map((d) => (JSON.parse(d) as Chunk).choices[0].delta);
    };
    const join = (list: Array<Record<string, unknown>>, key: string) => list.map((d) => d[key] ?? "").join("");

    const thinking = await deltas({ reasoning_effort: "high" });
    const firstContent = thinking.findIndex((d) => d.content !== undefined);
    expect(join(thinking, "reasoning_content")).toBe("The user wants a short answer, so I will reply directly.");
    expect(thinking.slice(firstContent).some((d) => d.reasoning_content !== undefined)).toBe(false);
    expect(join(thinking, "content")).toBe("2 + 2 is 4.");

    for (const off of [{}, { reasoning_effort: null }]) {
      const plain = await deltas(off);
      expect(plain.some((d) => d.reasoning_content !== undefined)).toBe(false);
      expect(join(plain, "content")).toBe("2 + 2 is 4.");
    }
  });
});

describe("chat templates and tool calls as inferrs streams them (Qwen/Qwen3-0.6B)", () => {
  let emu: Emulator;
  let requestLog: string;
  const fn = (name: string, properties: Record<string, unknown> = {}) => ({ type: "function", function: { name, parameters: { type: "object", properties } } });
  const tools = [fn("get_weather", { city: { type: "string" }, units: { type: "string" } }), fn("read", { path: { type: "string" } })];
  type ToolDelta = { index: number; id?: string; type?: string; function: { name?: string; arguments?: string } };
  const streamed = async (body: Record<string, unknown>) => {
    const res = await chat(emu, { stream: true, tools, ...body });
    return sseData(await res.text()).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
  };
  const toolDeltas = (chunks: Chunk[]) => chunks.flatMap((c) => (c.choices[0].delta.tool_calls as ToolDelta[] | undefined) ?? []);
  const argsOf = (chunks: Chunk[], index: number) =>
    toolDeltas(chunks)
      .filter((d) => d.index === index)
      .map((d) => d.function.arguments ?? "")
      .join("");

  beforeAll(async () => {
    requestLog = join(makeTempDir(), "requests.jsonl");
    emu = await startEmulator({ model: "Qwen/Qwen3-0.6B", hfHome: makeHfHome(), env: { INFERRS_EMU_REQUEST_LOG: requestLog } });
    await emu.waitForHealth(200);
  });
  afterAll(stopAllEmulators);

  it("picks the Qwen35 template from tokenizer_config.json (im_start + enable_thinking) and renders tools natively", async () => {
    expect(emu.stdout()).toMatch(/INFO inferrs::tokenizer: Tokenizer loaded: template=Qwen35, eos=Some\("<\|im_end\|>"\) \(id=Some\(151645\)\), stop_ids=\[151645, 151643\]/);
    await chat(emu, { tools, messages: [{ role: "user", content: "hello" }] });
    expect(emu.stdout()).toContain("tools provided — rendered natively via chat template");
  });

  it("streams the arguments as many raw fragments in the model's own spacing (stream_args_delta_emitted_incrementally)", async () => {
    const chunks = await streamed({ messages: [{ role: "user", content: 'Use get_weather with {"units":"metric","city":"Paris"}' }] });
    const deltas = toolDeltas(chunks);
    expect(deltas[0]).toEqual({ index: 0, id: "call_0", type: "function", function: { name: "get_weather", arguments: "" } });
    const argChunks = chunks.filter((c) => (c.choices[0].delta.tool_calls as ToolDelta[] | undefined)?.some((d) => d.function.arguments));
    expect(argChunks.length).toBeGreaterThan(3);
    expect(argsOf(chunks, 0)).toBe('{"units": "metric", "city": "Paris"}');
    expect(chunks.some((c) => c.choices[0].delta.content !== undefined)).toBe(false);
    expect(chunks[chunks.length - 1].choices[0]).toEqual({ index: 0, delta: {}, finish_reason: "tool_calls" });
  });

  it("streams two calls in one turn with index 0 and 1 and ids call_0, call_1 (stream_two_consecutive_calls_increment_index)", async () => {
    const chunks = await streamed({ messages: [{ role: "user", content: 'First use read {"path":"notes.txt"}, then call get_weather {"city":"Oslo"}' }] });
    const starts = toolDeltas(chunks).filter((d) => d.id !== undefined);
    expect(starts).toEqual([
      { index: 0, id: "call_0", type: "function", function: { name: "read", arguments: "" } },
      { index: 1, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } },
    ]);
    expect(JSON.parse(argsOf(chunks, 0))).toEqual({ path: "notes.txt" });
    expect(JSON.parse(argsOf(chunks, 1))).toEqual({ city: "Oslo" });
    // The newline the model writes between the two blocks is content, as in inferrs.
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe("\n");
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe("tool_calls");
  });

  it("answers non-streaming with every call, arguments re-serialised compact with sorted keys", async () => {
    const res = await chat(emu, { tools, messages: [{ role: "user", content: 'Use read {"path":"a.txt"} and call get_weather {"units":"metric","city":"Paris"}' }] });
    const body = (await res.json()) as Record<string, any>;
    expect(body.choices[0]).toEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "",
        tool_calls: [
          { id: "call_0", type: "function", function: { name: "read", arguments: '{"path":"a.txt"}' } },
          { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris","units":"metric"}' } },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it("calls tools only when asked in the user's current turn (OpenClaw's context after it included), and answers in text after tool results", async () => {
    const context = { role: "user", content: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\n"Active exec sessions:\\nnone"\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>' };
    const names = async (messages: unknown[]) => {
      const body = (await (await chat(emu, { tools: [...tools, fn("exec")], messages })).json()) as Record<string, any>;
      return [(body.choices[0].message.tool_calls ?? []).map((c: any) => c.function.name), body.choices[0].message.content];
    };
    expect(await names([{ role: "user", content: "Use read on notes.txt" }, context])).toEqual([["read"], ""]);
    expect((await names([{ role: "user", content: "What is 2 + 2? I was reading a book" }, context]))).toEqual([[], "2 + 2 is 4."]);
    const afterResults = [
      { role: "user", content: "Use read and use exec" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_0", type: "function", function: { name: "read", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "call_0", content: "hello from notes" },
      { role: "tool", tool_call_id: "call_1", content: "exit 0" },
      context,
    ];
    expect(await names(afterResults)).toEqual([[], "The tool returned: hello from notes; exit 0"]);
  });

  it("flushes a call cut by max_tokens as content after the length chunk (stream_flush_drains_unclosed_buffer_as_content)", async () => {
    // 16 tokens: the name and the first argument bytes are out when the limit strikes.
    const chunks = await streamed({ max_tokens: 16, messages: [{ role: "user", content: 'Call get_weather {"city":"Paris"}' }] });
    const finishAt = chunks.findIndex((c) => c.choices[0].finish_reason !== null);
    expect(chunks[finishAt].choices[0].finish_reason).toBe("length");
    expect(toolDeltas(chunks.slice(0, finishAt + 1))[0]).toMatchObject({ id: "call_0", function: { name: "get_weather" } });
    expect(argsOf(chunks, 0)).toBe('{"city');
    const after = chunks.slice(finishAt + 1);
    expect(after).toHaveLength(1);
    expect(after[0].choices[0]).toEqual({ index: 0, delta: { content: '\n{"name": "get_weather", "arguments": {"city' }, finish_reason: null });

    const res = await chat(emu, { tools, max_tokens: 16, messages: [{ role: "user", content: 'Call get_weather {"city":"Paris"}' }] });
    const body = (await res.json()) as Record<string, any>;
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(body.choices[0].message.content).toMatch(/^<tool_call>\n\{"name": "get_weather"/);
  });

  it("records the streamed chunks, tool-call fragments included, in the request log", () => {
    const lines = readFileSync(requestLog, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const fragments = lines.filter((l) => l.event === "chunk" && l.data?.choices?.[0]?.delta?.tool_calls?.[0]?.function?.arguments);
    expect(fragments.length).toBeGreaterThan(3);
    expect(fragments[0]).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/) });
    expect(fragments[0]).not.toHaveProperty("path"); // request filters by path see requests only
    expect(lines.some((l) => l.event === "chunk" && l.data === "[DONE]")).toBe(true);
  });

  it("keeps a stop string in the non-streaming text and drops its token from the stream (engine.rs check_stop)", async () => {
    const body = { messages: [{ role: "user", content: "What is 2 + 2?" }], stop: [" is"] };
    const plain = (await (await chat(emu, body)).json()) as Record<string, any>;
    expect(plain.choices[0]).toMatchObject({ message: { content: "2 + 2 is" }, finish_reason: "stop" });
    const chunks = sseData(await (await chat(emu, { ...body, stream: true })).text()).slice(0, -1).map((d) => JSON.parse(d) as Chunk);
    expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe("2 + 2");
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe("stop");
    // A stop string that ends inside a token (" 4.") never matches the text's end.
    const inside = (await (await chat(emu, { ...body, stop: ["4"] })).json()) as Record<string, any>;
    expect(inside.choices[0].message.content).toBe("2 + 2 is 4.");
  });

  it("gives an intelligible answer to inferrs' own integration prompt (looks_intelligible, contains 4)", async () => {
    const res = await chat(emu, { messages: [{ role: "user", content: "What is 2 + 2? Reply with the plain digit only, no LaTeX, no explanation." }], max_tokens: 64, temperature: 0 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body.object).toBe("chat.completion");
    const content: string = body.choices[0].message.content;
    expect(content).not.toBe("");
    expect(/[A-Za-z]/.test(content)).toBe(true);
    expect(content).toContain("4");
  });
});

describe("templates other than Qwen35 fold tools into the prompt and never return tool_calls", () => {
  afterEach(stopAllEmulators);
  const tools = [{ type: "function", function: { name: "read", parameters: { type: "object", properties: {} } } }];

  it.each([
    ["google/gemma-3-1b-it", undefined, "Gemma"],
    ["microsoft/Phi-3-mini-4k-instruct", undefined, "Phi"],
    ["google/gemma-4-E2B-it", undefined, "Gemma4"],
    ["Qwen/Qwen3-0.6B", { "tokenizer_config.json": { chat_template: "{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}" } }, "ChatML"],
    ["Qwen/Qwen3-0.6B", { "chat_template.jinja": "<|im_start|>{% if enable_thinking %}" }, "ChatML"],
  ])("%s with %j: template %s", async (model, tokenizer, template) => {
    const emu = await startEmulator({ model, hfHome: makeHfHome([{ id: model, ...(tokenizer ? { tokenizer } : {}) }]) });
    await emu.waitForHealth(200);
    expect(emu.stdout()).toContain(`Tokenizer loaded: template=${template},`);
    const body = (await (await chat(emu, { tools, messages: [{ role: "user", content: "read notes.txt" }] })).json()) as Record<string, any>;
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(body.choices[0].finish_reason).toBe("stop");
    expect(emu.stdout()).toContain("tools provided — injecting as system context");
  });
});

describe("old releases", () => {
  afterEach(stopAllEmulators);

  it("reject array content with the pre-0.0.20260409054918 422 text", async () => {
    const emu = await startEmulator({ model: "google/gemma-3-1b-it", hfHome: makeHfHome(), env: { INFERRS_EMU_RELEASE: "0.0.20260408231752" } });
    const body = '{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":[{"type":"text","text":"hi"}]}]}';
    const res = await chat(emu, body);
    expect(res.status).toBe(422);
    expect(await res.text()).toBe(
      `Failed to deserialize the JSON body into the target type: messages[1].content: invalid type: sequence, expected a string at line 1 column ${body.indexOf('[{"type"')}`,
    );
    // Those releases loaded before binding: /health is 200 as soon as the port answers.
    expect((await fetch(`${emu.baseUrl}/health`)).status).toBe(200);
  });
});

describe("process behaviour", () => {
  afterEach(stopAllEmulators);

  it("exits 1 with Rust's bind error when the port is taken, after logging Server listening", async () => {
    const first = await startEmulator({ model: "google/gemma-3-1b-it", hfHome: makeHfHome() });
    const second = await startEmulator({ model: "google/gemma-3-1b-it", port: first.port, hfHome: makeHfHome(), wait: "none" });
    expect((await second.exited).code).toBe(1);
    expect(second.stderr()).toBe("Error: Address already in use (os error 98)\n");
    expect(second.stdout()).toContain(`Server listening on 127.0.0.1:${first.port}`);
  });

  it("exits 2 with a clap usage error for an unknown flag", async () => {
    const emu = await startEmulator({ argv: ["serve", "--bogus", "google/gemma-3-1b-it"], wait: "none" });
    expect((await emu.exited).code).toBe(2);
    expect(emu.stderr()).toContain("error: unexpected argument '--bogus' found");
    expect(emu.stderr()).toContain("Usage: inferrs serve [OPTIONS] [MODEL]");
  });

  it("prints its version", async () => {
    const emu = await startEmulator({ argv: ["--version"], wait: "none" });
    expect((await emu.exited).code).toBe(0);
    expect(emu.stdout()).toBe("inferrs 0.1.0\n");
  });

  it("dies mid-stream when told to crash after N tokens", async () => {
    const emu = await startEmulator({ model: "google/gemma-3-1b-it", hfHome: makeHfHome(), env: { INFERRS_EMU_CRASH_AFTER_TOKENS: "2" } });
    await emu.waitForHealth(200);
    const res = await chat(emu, { stream: true, messages: [{ role: "user", content: "hi" }] });
    await expect(res.text()).rejects.toThrow();
    expect((await emu.exited).signal).toBe("SIGKILL");
  });

  it("refuses embeddings in daemon mode: 503 while nothing is loaded, 500 once a worker serves the model", async () => {
    const port = await freePort();
    const emu = await startEmulator({ argv: ["serve", "--host", "127.0.0.1", "--port", String(port)], port, hfHome: makeHfHome() });
    const embed = () => fetch(`${emu.baseUrl}/v1/embeddings`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "Qwen/Qwen3-Embedding-0.6B", input: "hello" }) });
    const empty = await embed();
    expect([empty.status, await empty.json()]).toEqual([503, { error: "no model loaded" }]);
    expect((await chat(emu, { model: "Qwen/Qwen3-Embedding-0.6B", messages: [{ role: "user", content: "hi" }] })).status).toBe(200);
    const proxied = await embed();
    expect([proxied.status, await proxied.json()]).toEqual([500, { error: "unexpected proxy backend in worker context" }]);
  });

  it("reports healthy without a model and refuses chat that names none (daemon mode)", async () => {
    const port = await freePort();
    const emu = await startEmulator({ argv: ["serve", "--host", "127.0.0.1", "--port", String(port)], port, hfHome: makeHfHome() });
    expect(await (await fetch(`${emu.baseUrl}/health`)).json()).toEqual({ status: "ok" });
    const res = await chat(emu, { messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { message: "No model specified and no model is loaded", type: "server_error" } });
  });
});
