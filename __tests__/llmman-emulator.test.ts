// The llmman emulator, run as a real process through tools/bin/llmman (v0.1.334 unless a test
// switches to 485d055 with LLMMAN_EMU_VERSION).
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { type LlmmanEmulator, llmmanBin, startLlmmanEmulator, stopAllLlmmanEmulators } from "../tools/emulator/llmman/harness.ts";

const run = promisify(execFile);

afterAll(async () => {
  await stopAllLlmmanEmulators();
});

type Json = Record<string, any>;

function post(emu: LlmmanEmulator, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emu.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(init.headers as Record<string, string>) },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal,
  });
}

const user = (content: string) => [{ role: "user", content }];

/** The `data:` payloads of an SSE body, checking the framing. */
function sseData(body: string): string[] {
  expect(body.endsWith("\n\n")).toBe(true);
  return body.slice(0, -2).split("\n\n").map((e) => {
    expect(e.startsWith("data: ")).toBe(true);
    return e.slice("data: ".length);
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `pid` is gone (checked on each timer tick; the process is not ours to wait on). */
function gone(pid: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (isAlive(pid) ? setTimeout(check, 20) : resolve());
    check();
  });
}

function portClosed(port: number): Promise<void> {
  return new Promise((resolve) => {
    const attempt = () => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => { s.destroy(); setTimeout(attempt, 20); });
      s.once("error", () => resolve());
    };
    attempt();
  });
}

async function psModels(emu: LlmmanEmulator): Promise<Json[]> {
  return ((await (await fetch(`${emu.baseUrl}/api/ps`)).json()) as Json).models;
}

describe("llmman v0.1.334 with a seeded store", () => {
  let emu: LlmmanEmulator;

  beforeAll(async () => {
    emu = await startLlmmanEmulator();
  });

  it("resolves llama-server before it binds, then logs the listening line", async () => {
    const lines = emu.stderr().split("\n");
    expect(lines[0]).toMatch(/^\[llmman\] using downloaded llama-server \(CPU\): .*\/llama-server\/b6500\/cpu\/llama-server$/);
    expect(lines[1]).toBe(`llmman serve listening on 127.0.0.1:${emu.port}`);
    const start = emu.requests()[0];
    expect(start).toMatchObject({ event: "start", pid: emu.pid, version: "0.1.334 (22b6d73)", port: emu.port });
    expect(start.env.LLMMAN_HOST).toBe(`127.0.0.1:${emu.port}`);
  });

  it("answers /api/version with an existing exe, its pid and version", async () => {
    const body = (await (await fetch(`${emu.baseUrl}/api/version`)).json()) as Json;
    expect(Object.keys(body)).toEqual(["exe", "pid", "version"]);
    expect(body.pid).toBe(emu.pid);
    expect(body.version).toBe("0.1.334 (22b6d73)");
    expect(existsSync(body.exe)).toBe(true);
  });

  it("lists the store in index order, compact, keys alphabetical, all unloaded", async () => {
    const raw = await (await fetch(`${emu.baseUrl}/v1/models`)).text();
    const entry = (id: string) => `{"created":0,"id":"${id}","object":"model","owned_by":"llmman","status":{"value":"unloaded"}}`;
    const ids = ["docker.io/ai/qwen3.5:0.8b", "docker.io/ai/gemma4:e2b", "hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest", "docker.io/ai/embeddinggemma:latest"];
    expect(raw).toBe(`{"data":[${ids.map(entry).join(",")}],"object":"list"}`);
  });

  it("keeps the store in the OCI image layout with fully qualified ref annotations", () => {
    expect(JSON.parse(readFileSync(join(emu.storeDir, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(readFileSync(join(emu.storeDir, "index.json"), "utf8"));
    expect(index.manifests[0].annotations).toEqual({ "org.opencontainers.image.ref.name": "docker.io/ai/qwen3.5:0.8b" });
    const manifest = JSON.parse(readFileSync(join(emu.storeDir, "blobs", "sha256", index.manifests[1].digest.slice(7)), "utf8"));
    expect(manifest.layers.map((l: Json) => l.mediaType)).toEqual(["application/vnd.docker.ai.gguf.v3", "application/vnd.docker.ai.mmproj", "application/vnd.docker.ai.license"]);
  });

  it("has no /health: 404 with an empty body, like unknown paths; a wrong method is 405", async () => {
    for (const path of ["/health", "/nope"]) {
      const res = await fetch(`${emu.baseUrl}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toBe("");
    }
    const wrong = await fetch(`${emu.baseUrl}/v1/models`, { method: "POST" });
    expect(wrong.status).toBe(405);
  });

  it("shows the GGUF header, capabilities and template; 404 for an unknown or wrongly cased name", async () => {
    const qwen = (await (await post(emu, "/api/show", { model: "qwen3.5:0.8b" })).json()) as Json;
    expect(qwen.model_info["general.architecture"]).toBe("qwen35");
    expect(qwen.model_info["qwen35.context_length"]).toBe(262144);
    expect(qwen.model_info["tokenizer.ggml.tokens"]).toBeNull();
    expect(qwen.model_info["tokenizer.chat_template"]).toBeUndefined();
    expect(qwen.details).toEqual({ parent_model: "", format: "gguf", family: "qwen35", families: ["qwen35"], parameter_size: "752.39M", quantization_level: "Q4_K_M" });
    expect(qwen.capabilities).toEqual(["completion"]);
    expect(qwen.template).toContain("<think>");
    const gemma = (await (await post(emu, "/api/show", { name: "gemma4:e2b" })).json()) as Json;
    expect(gemma.capabilities).toEqual(["completion", "vision"]);
    const embed = (await (await post(emu, "/api/show", { model: "embeddinggemma" })).json()) as Json;
    expect(embed.capabilities).toEqual(["embedding"]);
    expect(embed.model_info["gemma-embedding.pooling_type"]).toBe(1);
    const hf = (await (await post(emu, "/api/show", { model: "unsloth/Qwen3.5-0.8B-GGUF" })).json()) as Json;
    expect(hf.capabilities).toEqual(["completion", "vision"]);
    for (const [name, ref] of [["nope", "docker.io/ai/nope:latest"], ["Qwen3.5:0.8b", "docker.io/ai/Qwen3.5:0.8b"]]) {
      const res = await post(emu, "/api/show", { model: name });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: `model not found: ${ref}` });
    }
    await emu.waitForLog(/^\[llmman\] \/api\/show model="docker\.io\/ai\/qwen3\.5:0\.8b"$/);
  });

  it("lists /api/tags with layer sizes and digests", async () => {
    const body = (await (await fetch(`${emu.baseUrl}/api/tags`)).json()) as Json;
    expect(body.models[0]).toMatchObject({ name: "docker.io/ai/qwen3.5:0.8b", model: "docker.io/ai/qwen3.5:0.8b", digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(body.models[0].size).toBeGreaterThan(532517120);
    expect(body.models[0].modified_at).toMatch(/\+00:00$/);
  });

  it("loads a cold model on the first chat (exact log lines), then reports it in /api/ps and /v1/models", async () => {
    const res = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("What is 2 + 2?") });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.choices[0].message.content).toBe("2 + 2 = 4.");
    expect(body.choices[0].message.reasoning_content).toEqual(expect.any(String));
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
    const loading = await emu.waitForLog(/^\[llmman\] loading docker\.io\/ai\/qwen3\.5:0\.8b on port \d+$/);
    const port = Number(loading.split(" ").pop());
    await emu.waitForLog(new RegExp(`^\\[llmman\\] docker\\.io/ai/qwen3\\.5:0\\.8b ready on port ${port}$`));
    const [ps] = await psModels(emu);
    expect(Object.keys(ps)).toEqual(["name", "model", "expires_at", "digest", "size", "size_vram", "pid", "port", "processor", "context_length", "started_at"]);
    expect(ps).toMatchObject({ name: "docker.io/ai/qwen3.5:0.8b", port, processor: "llama-server (local)", context_length: 262144, size_vram: 0 });
    expect(Date.parse(ps.expires_at) - Date.parse(ps.started_at)).toBeGreaterThanOrEqual(299_000);
    expect(isAlive(ps.pid)).toBe(true);
    const listed = (await (await fetch(`${emu.baseUrl}/v1/models`)).json()) as Json;
    expect(listed.data[0].status).toEqual({ value: "loaded" });
    // The fully qualified id reaches the same backend process.
    await (await post(emu, "/v1/chat/completions", { model: "docker.io/ai/qwen3.5:0.8b", messages: user("hi") })).json();
    expect((await psModels(emu)).map((m) => m.pid)).toEqual([ps.pid]);
  });

  it("streams llama-server SSE with reasoning_content, unless enable_thinking is false", async () => {
    const res = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", stream: true, messages: user("What is 2 + 2?") });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const data = sseData(await res.text());
    expect(data[data.length - 1]).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as Json);
    const deltas = chunks.map((c) => c.choices[0].delta);
    expect(deltas.filter((d) => d.reasoning_content).length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.content ?? "").join("")).toBe("2 + 2 = 4.");
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe("stop");
    const off = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", chat_template_kwargs: { enable_thinking: false }, messages: user("What is 2 + 2?") });
    expect(((await off.json()) as Json).choices[0].message.reasoning_content).toBeUndefined();
  });

  it("streams a native tool call in fragments and records them in the request log", async () => {
    const tools = [{ type: "function", function: { name: "read_file", parameters: { type: "object", properties: { path: { type: "string" } } } } }];
    const res = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", stream: true, tools, messages: user('Use read_file with {"path":"README.md"}') });
    const chunks = sseData(await res.text()).slice(0, -1).map((d) => JSON.parse(d) as Json);
    const calls = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    expect(calls[0]).toMatchObject({ index: 0, type: "function", function: { name: "read_file", arguments: "" } });
    expect(calls.length).toBeGreaterThan(2);
    expect(calls.map((c) => c.function.arguments).join("")).toBe('{"path":"README.md"}');
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe("tool_calls");
    const logged = emu.requests().filter((e) => e.event === "response" && e.path === "/v1/chat/completions").pop()!;
    expect(logged.sse[logged.sse.length - 1]).toBe("[DONE]");
    expect(logged.sse.some((p: string) => p.includes('"tool_calls"'))).toBe(true);
    const request = emu.requests().filter((e) => e.event === "request" && e.path === "/v1/chat/completions").pop()!;
    expect(request.body.tools).toEqual(tools);
  });

  it("serves embeddings from an embedding model; a chat model passes llama-server's 501 through", async () => {
    const res = await post(emu, "/v1/embeddings", { model: "embeddinggemma", input: ["hello world", "hi"] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.data.map((d: Json) => d.embedding.length)).toEqual([768, 768]);
    const ps = (await psModels(emu)).find((m) => m.name === "docker.io/ai/embeddinggemma:latest")!;
    expect(ps.context_length).toBe(2048);
    const chatModel = await post(emu, "/v1/embeddings", { model: "qwen3.5:0.8b", input: "hello" });
    expect(chatModel.status).toBe(501);
    expect(((await chatModel.json()) as Json).error).toMatchObject({ code: 501, type: "not_supported_error" });
  });

  it("pre-warms with an empty /api/generate prompt and unloads with keep_alive 0", async () => {
    const load = (await (await post(emu, "/api/generate", { model: "gemma4:e2b" })).json()) as Json;
    expect(load).toMatchObject({ model: "gemma4:e2b", response: "", done: true, done_reason: "load" });
    const entry = (await psModels(emu)).find((m) => m.name === "docker.io/ai/gemma4:e2b")!;
    expect(entry.context_length).toBe(131072);
    const unload = (await (await post(emu, "/api/generate", { model: "gemma4:e2b", keep_alive: 0 })).json()) as Json;
    expect(unload.done_reason).toBe("unload");
    expect((await psModels(emu)).some((m) => m.name === "docker.io/ai/gemma4:e2b")).toBe(false);
    await gone(entry.pid);
  });

  it("rejects bad JSON on /v1 with llmman's 500 and an empty model with 400", async () => {
    const bad = await post(emu, "/v1/chat/completions", "{nope");
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as Json).error).toMatch(/^parse OpenAI request body: /);
    const empty = await post(emu, "/v1/chat/completions", { messages: user("hi") });
    expect(empty.status).toBe(400);
    expect(await empty.json()).toEqual({ error: "model is required" });
  });
});

describe("pulling and deleting", () => {
  let emu: LlmmanEmulator;

  beforeAll(async () => {
    emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_EMU_PULL_BYTES_PER_S: String(400 * 1024 * 1024) } });
  });

  it("streams NDJSON progress for a registry model, ending in success, and stores it", async () => {
    const res = await post(emu, "/api/pull", { model: "smollm2" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trimEnd().split("\n");
    expect(lines[0]).toBe('{"status":"pulling manifest"}');
    expect(lines[lines.length - 1]).toBe('{"status":"success"}');
    const bytes = lines.map((l) => JSON.parse(l) as Json).filter((l) => l.total !== undefined);
    expect(bytes.length).toBeGreaterThan(1);
    expect(Object.keys(bytes[0])).toEqual(["completed", "status", "total"]);
    expect(bytes[bytes.length - 1].completed).toBeLessThanOrEqual(bytes[0].total);
    const ids = ((await (await fetch(`${emu.baseUrl}/v1/models`)).json()) as Json).data.map((m: Json) => m.id);
    expect(ids).toEqual(["docker.io/ai/qwen3.5:0.8b", "docker.io/ai/smollm2:latest"]);
    await emu.waitForLog(/^\[llmman\] \/api\/pull model="docker\.io\/ai\/smollm2:latest"$/);
  });

  it("answers a stored model with pulling manifest then success, and an unknown one with an in-band error", async () => {
    expect(await (await post(emu, "/api/pull", { model: "qwen3.5:0.8b" })).text()).toBe('{"status":"pulling manifest"}\n{"status":"success"}\n');
    const res = await post(emu, "/api/pull", { model: "does-not-exist" });
    expect(res.status).toBe(200);
    const last = JSON.parse((await res.text()).trimEnd().split("\n").pop()!);
    expect(last).toEqual({ error: "resolve: docker.io/ai/does-not-exist:latest: docker.io/ai/does-not-exist:latest: not found" });
  });

  it("pulls a model a chat names that is not stored, then loads it", async () => {
    const res = await post(emu, "/v1/chat/completions", { model: "gemma3:1b", messages: user("What is 2 + 2?") });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).choices[0].message.content).toBe("2 + 2 = 4.");
    await emu.waitForLog(/^\[llmman\] docker\.io\/ai\/gemma3:1b not in store — pulling$/);
    const failed = await post(emu, "/v1/chat/completions", { model: "nope/nope", messages: user("hi") });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as Json).error).toMatch(/^pull failed: hf\.co\/nope\/nope:latest: /);
  });

  it("deletes only the index entry, then 404s", async () => {
    const res = await fetch(`${emu.baseUrl}/api/delete`, { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "smollm2" }) });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const again = await fetch(`${emu.baseUrl}/api/delete`, { method: "DELETE", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "smollm2" }) });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ error: "image not found: docker.io/ai/smollm2:latest" });
  });

  it("fails every pull with LLMMAN_EMU_PULL_FAIL", async () => {
    const failing = await startLlmmanEmulator({ models: [], env: { LLMMAN_EMU_PULL_FAIL: "registry unreachable" } });
    const last = (await (await post(failing, "/api/pull", { model: "smollm2" })).text()).trimEnd().split("\n").pop();
    expect(last).toBe('{"error":"registry unreachable"}');
    await failing.stop();
  });
});

describe("loading", () => {
  it("fails a load with llama-server's output tail in llmman's 500", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_EMU_LOAD_FAIL: "out of memory" } });
    const res = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("hi") });
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as Json;
    expect(error).toMatch(/^inference server on port \d+ exited before becoming ready: .*llama_model_load: error loading model: out of memory \| .*main: exiting due to model loading error$/);
    expect(await psModels(emu)).toEqual([]);
    await emu.stop();
  });

  it("cancels a cold load when the client disconnects, killing its llama-server", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_EMU_LOAD_MS: "600000" } });
    const ac = new AbortController();
    const pending = post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("hi") }, { signal: ac.signal }).catch((e: unknown) => e);
    const loading = await emu.waitForLog(/^\[llmman\] loading docker\.io\/ai\/qwen3\.5:0\.8b on port \d+$/);
    await emu.waitForLog(/^main: loading model$/);
    ac.abort();
    await pending;
    await portClosed(Number(loading.split(" ").pop()));
    expect(await psModels(emu)).toEqual([]);
    expect(emu.stderr()).not.toMatch(/ready on port/);
    await emu.stop();
  });

  it("preloads `serve MODEL` and pins it (expires_at null), with LLMMAN_CONTEXT_LENGTH as the context", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/gemma4:e2b"], args: ["gemma4:e2b"], env: { LLMMAN_CONTEXT_LENGTH: "65536" } });
    await emu.waitForLog(/^\[llmman\] docker\.io\/ai\/gemma4:e2b ready on port \d+$/);
    const [ps] = await psModels(emu);
    expect(ps).toMatchObject({ name: "docker.io/ai/gemma4:e2b", expires_at: null, context_length: 65536 });
    await emu.stop();
  });

  it("logs a failed preload", async () => {
    const emu = await startLlmmanEmulator({ models: [], args: ["nope"] });
    await emu.waitForLog(/^\[llmman\] pre-load failed: pull failed: resolve: docker\.io\/ai\/nope:latest: /);
    await emu.stop();
  });
});

describe("lifecycle (v0.1.334)", () => {
  it("unloads an idle model past its keep_alive when the reaper runs", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_KEEP_ALIVE: "0", LLMMAN_EMU_REAP_MS: "50" } });
    await (await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("hi") })).json();
    await emu.waitForLog(/^\[llmman\] unloading docker\.io\/ai\/qwen3\.5:0\.8b: idle past its keep_alive deadline$/);
    expect(await psModels(emu)).toEqual([]);
    await emu.stop();
  });

  it("evicts the least recently active idle model at LLMMAN_MAX_LOADED_MODELS, and 503s when every model is busy", async () => {
    const emu = await startLlmmanEmulator({ env: { LLMMAN_MAX_LOADED_MODELS: "1", LLMMAN_EMU_TOKEN_DELAY_MS: "2000" } });
    await (await post(emu, "/api/generate", { model: "qwen3.5:0.8b" })).json();
    await (await post(emu, "/api/generate", { model: "gemma4:e2b" })).json();
    await emu.waitForLog(/^\[llmman\] evicting docker\.io\/ai\/qwen3\.5:0\.8b to free a loaded-model slot \(LLMMAN_MAX_LOADED_MODELS=1\)$/);
    expect((await psModels(emu)).map((m) => m.name)).toEqual(["docker.io/ai/gemma4:e2b"]);
    // A stream keeps gemma busy: the next model cannot get a slot.
    const busy = await post(emu, "/v1/chat/completions", { model: "gemma4:e2b", stream: true, messages: user("hi") });
    const reader = busy.body!.getReader();
    await reader.read();
    const refused = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("hi") });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toEqual({ error: "max loaded models (1) reached, and every loaded model is busy — try again" });
    await reader.cancel();
    await emu.stop();
  });
});

describe("signals", () => {
  it("shuts down on SIGTERM after the in-flight stream completes, killing its llama-servers, exit 0", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_EMU_TOKEN_DELAY_MS: "40" } });
    const res = await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", stream: true, messages: user("What is 2 + 2?") });
    const [ps] = await psModels(emu);
    const text = res.text();
    const exit = emu.signal("SIGTERM");
    await emu.waitForLog(/^llmman serve shutting down$/);
    expect(sseData(await text).pop()).toBe("[DONE]");
    expect(await exit).toEqual({ code: 0, signal: null });
    await gone(ps.pid);
    await emu.stop();
  });

  it("ignores SIGTERM with LLMMAN_EMU_IGNORE_SIGTERM=1 (only SIGKILL ends it)", async () => {
    const emu = await startLlmmanEmulator({ models: [], env: { LLMMAN_EMU_IGNORE_SIGTERM: "1" } });
    process.kill(emu.pid, "SIGTERM");
    await emu.waitForLog(/^\[llmman-emulator\] SIGTERM ignored$/);
    expect((await fetch(`${emu.baseUrl}/api/version`)).status).toBe(200);
    expect(await emu.signal("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    await emu.stop();
  });

  it("leaves no llama-server behind when the daemon is SIGKILLed", async () => {
    const emu = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"] });
    await (await post(emu, "/api/generate", { model: "qwen3.5:0.8b" })).json();
    const [ps] = await psModels(emu);
    expect(isAlive(ps.pid)).toBe(true);
    await emu.signal("SIGKILL");
    await gone(ps.pid);
    await emu.stop();
  });
});

describe("startup", () => {
  it("does not bind during the llama-server download, and exits 1 when the port is taken", async () => {
    const first = await startLlmmanEmulator({ models: [] });
    const second = await startLlmmanEmulator({ models: [], port: first.port, env: { LLMMAN_EMU_DOWNLOAD_MS: "200" }, wait: "none" });
    await second.waitForLog(/^\[llmman\] downloading llama-server \(CPU\) b6500: /);
    expect(await second.exited).toEqual({ code: 1, signal: null });
    const lines = second.stderr().trimEnd().split("\n");
    expect(lines[lines.length - 2]).toMatch(/^\[llmman\] using downloaded llama-server/);
    expect(lines[lines.length - 1]).toBe(`Error: bind 127.0.0.1:${first.port}: Address already in use (os error 98)`);
    await second.stop();
    await first.stop();
  });

  it("prints the version of each emulated build", async () => {
    expect((await run(llmmanBin, ["--version"])).stdout).toBe("llmman 0.1.334 (22b6d73)\n");
    expect((await run(llmmanBin, ["--version"], { env: { ...process.env, LLMMAN_EMU_VERSION: "485d055" } })).stdout).toBe("llmman 0.1.0 (485d055)\n");
  });
});

describe("llmman 485d055 (LLMMAN_EMU_VERSION=485d055)", () => {
  let emu: LlmmanEmulator;

  beforeAll(async () => {
    emu = await startLlmmanEmulator({ env: { LLMMAN_EMU_VERSION: "485d055", LLMMAN_KEEP_ALIVE: "0", LLMMAN_EMU_REAP_MS: "20" }, args: ["--ctx-size", "32768"] });
  });

  it("reports 0.1.0 (485d055) and has no /llmman/node", async () => {
    expect(((await (await fetch(`${emu.baseUrl}/api/version`)).json()) as Json).version).toBe("0.1.0 (485d055)");
    expect((await fetch(`${emu.baseUrl}/llmman/node`)).status).toBe(404);
  });

  it("shows the old shape without capabilities, and 500 for a missing model", async () => {
    const body = (await (await post(emu, "/api/show", { model: "qwen3.5:0.8b" })).json()) as Json;
    expect(Object.keys(body)).toEqual(["model_info", "details"]);
    expect(Object.keys(body.model_info)).toEqual(["digest", "size"]);
    expect(body.details).toEqual({ format: "gguf", family: "", parameter_size: "", quantization_level: "" });
    const missing = await post(emu, "/api/show", { model: "nope" });
    expect(missing.status).toBe(500);
    expect(await missing.json()).toEqual({ error: "model not found: docker.io/ai/nope:latest" });
    const noType = await fetch(`${emu.baseUrl}/api/show`, { method: "POST", body: '{"model":"x"}' });
    expect(noType.status).toBe(415);
  });

  it("passes --ctx-size to every llama-server, lists /api/ps without expires_at, and never reaps", async () => {
    await (await post(emu, "/v1/chat/completions", { model: "qwen3.5:0.8b", messages: user("hi") })).json();
    const [ps] = await psModels(emu);
    expect(Object.keys(ps)).toEqual(["name", "model", "digest", "size", "size_vram", "pid", "port", "processor", "context_length", "started_at"]);
    expect(ps.context_length).toBe(32768);
    expect(emu.stderr()).not.toMatch(/unloading/);
  });

  it("answers every llmman error with 500, and a single success line for a stored model's pull", async () => {
    const busy = await post(emu, "/v1/chat/completions", { model: "llmman.provider/openai/gpt-5.6-luna", messages: user("hi") });
    expect(busy.status).toBe(500);
    expect(((await busy.json()) as Json).error).toMatch(/^pull failed: /);
    expect(await (await post(emu, "/api/pull", { model: "qwen3.5:0.8b" })).text()).toBe('{"status":"success"}\n');
  });
});
