import { ConfigError, resolveConfig } from "../src/config/resolve.ts";

function errorOf(llmman: unknown): string {
  try {
    resolveConfig({ llmman });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a config error");
}

describe("llmman config (plugins.entries.inferrs.config.llmman)", () => {
  test("an inferrs-only config gets every llmman default and its inferrs settings unchanged", () => {
    const config = resolveConfig({ baseUrl: "http://127.0.0.1:9000/v1", service: { maxServers: 2 } });
    expect(config).toMatchObject({ baseUrl: "http://127.0.0.1:9000/v1", port: 9000, service: { maxServers: 2, command: "inferrs" } });
    expect(config.llmman).toEqual({
      baseUrl: "http://127.0.0.1:17434/v1",
      origin: "http://127.0.0.1:17434",
      host: "127.0.0.1",
      port: 17434,
      loopback: true,
      apiKey: undefined,
      discoveryTimeoutMs: 2000,
      requestTimeoutMs: 1800000,
      models: {},
      service: { autoStart: undefined, command: "llmman", args: [], env: {}, readyTimeoutMs: 180000, idleStopMs: 0 },
      contextLength: undefined,
    });
  });

  test("the base URL's address is derived, a trailing slash dropped", () => {
    expect(resolveConfig({ llmman: { baseUrl: "http://[::1]:18000/v1/" } }).llmman).toMatchObject({
      baseUrl: "http://[::1]:18000/v1",
      origin: "http://[::1]:18000",
      host: "::1",
      port: 18000,
      loopback: true,
    });
    expect(resolveConfig({ llmman: { baseUrl: "http://gpu-box.local:17434/v1" } }).llmman.loopback).toBe(false);
  });

  test("a wrong value names the llmman key, the value and what is allowed", () => {
    expect(errorOf({ discoveryTimeoutMs: 10 })).toBe(
      "plugins.entries.inferrs.config.llmman.discoveryTimeoutMs is 10, but it must be an integer ≥ 50 and ≤ 60000.",
    );
    expect(errorOf({ service: { idleStopMs: 3000000000 } })).toBe(
      "plugins.entries.inferrs.config.llmman.service.idleStopMs is 3000000000, but it must be an integer ≥ 0 and ≤ 2147483647.",
    );
    expect(errorOf({ models: { "qwen3.5:0.8b": { input: ["audio"] } } })).toBe(
      'plugins.entries.inferrs.config.llmman.models["qwen3.5:0.8b"].input[0] is "audio", but it must be one of "text", "image".',
    );
    expect(errorOf({ service: { command: "" } })).toContain("llmman.service.command");
  });

  test("an unknown key lists the allowed ones", () => {
    expect(errorOf({ service: { device: "cuda" } })).toBe(
      'plugins.entries.inferrs.config.llmman.service has an unknown key "device". Allowed keys: autoStart, command, args, env, readyTimeoutMs, idleStopMs.',
    );
    expect(errorOf({ models: { "qwen3.5:0.8b": { args: ["--x"] } } })).toContain(
      'llmman.models["qwen3.5:0.8b"] has an unknown key "args". Allowed keys: name, contextWindow, maxTokens, reasoning, input, supportsTools.',
    );
  });

  test("a bad base URL is refused naming llmman.baseUrl, and credentials are never quoted", () => {
    const message = errorOf({ baseUrl: "http://me:hunter2-secret@127.0.0.1:17434/v1" });
    expect(message).toBe(
      'plugins.entries.inferrs.config.llmman.baseUrl is "http://<redacted>@127.0.0.1:17434/v1": remove the user name and password from it ' +
        "(llmman has no auth; set plugins.entries.inferrs.config.llmman.apiKey if a proxy in front of it needs a bearer token).",
    );
    expect(errorOf({ baseUrl: "127.0.0.1:17434" })).toContain("e.g. http://127.0.0.1:17434/v1");
  });

  test("secrets in llmman.apiKey and llmman.service.env are never echoed", () => {
    expect(errorOf({ apiKey: "" })).toContain("<redacted>");
    expect(errorOf({ service: { env: { OPENAI_API_KEY: 42 } } })).toContain("<redacted>");
  });

  test("autoStart with a remote base URL is refused: OpenClaw can only start llmman on this machine", () => {
    expect(errorOf({ baseUrl: "http://gpu-box.local:17434/v1", service: { autoStart: true } })).toMatch(
      /llmman\.service\.autoStart is true but baseUrl http:\/\/gpu-box\.local:17434\/v1 is not a loopback address: OpenClaw can only start llmman/,
    );
  });

  test("LLMMAN_HOST in service.env is refused: the daemon listens where baseUrl says", () => {
    expect(errorOf({ service: { env: { LLMMAN_HOST: "0.0.0.0:17434" } } })).toMatch(
      /llmman\.service\.env\.LLMMAN_HOST is set, but the plugin sets LLMMAN_HOST from plugins\.entries\.inferrs\.config\.llmman\.baseUrl/,
    );
  });

  test("the daemon's context ceiling comes from LLMMAN_CONTEXT_LENGTH (v0.1.334) or --ctx-size (485d055)", () => {
    const ceiling = (service: unknown) => resolveConfig({ llmman: { service } }).llmman.contextLength;
    expect(ceiling({ env: { LLMMAN_CONTEXT_LENGTH: "65536" } })).toBe(65536);
    expect(ceiling({ args: ["--ctx-size", "32768"] })).toBe(32768);
    expect(ceiling({ args: ["--ctx-size=16384"] })).toBe(16384);
    expect(ceiling({ env: { LLMMAN_CONTEXT_LENGTH: "0" } })).toBeUndefined();
    expect(errorOf({ service: { env: { LLMMAN_CONTEXT_LENGTH: "64k" } } })).toBe(
      'plugins.entries.inferrs.config.llmman.service.env.LLMMAN_CONTEXT_LENGTH is "64k", but it must be a number of tokens such as 65536 (0 = llmman\'s default).',
    );
    expect(errorOf({ service: { args: ["--ctx-size"] } })).toContain("llmman.service.args (--ctx-size)");
  });

  test("model overrides are keyed by the canonical ref, so a short and a full spelling are one model", () => {
    const models = resolveConfig({
      llmman: { models: { "qwen3.5:0.8b": { contextWindow: 8192 }, "unsloth/Qwen3.5-0.8B-GGUF": { name: "HF" } } },
    }).llmman.models;
    expect(models).toEqual({
      "docker.io/ai/qwen3.5:0.8b": { contextWindow: 8192 },
      "hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest": { name: "HF" },
    });
    expect(errorOf({ models: { "qwen3.5:0.8b": {}, "docker.io/ai/qwen3.5:0.8b": {} } })).toBe(
      'plugins.entries.inferrs.config.llmman.models has both "qwen3.5:0.8b" and "docker.io/ai/qwen3.5:0.8b", which llmman resolves to the same model "docker.io/ai/qwen3.5:0.8b": keep one of them.',
    );
  });

  test("a model key llmman would read as a local path or another source is refused naming the key", () => {
    expect(errorOf({ models: { "/home/me/model": {} } })).toMatch(/^plugins\.entries\.inferrs\.config\.llmman\.models\["\/home\/me\/model"\]: .* is a local path/);
    expect(errorOf({ models: { "hf://owner/repo": {} } })).toContain("names another source");
    expect(errorOf({ models: { "qwen 3": {} } })).toContain("whitespace");
  });

  test("hybrid and provider refs are accepted as model keys as given", () => {
    const models = resolveConfig({
      llmman: { models: { "llmman.hybrid/qwen3.8,openai/gpt-5.6-luna": { contextWindow: 65536 }, "llmman.provider/openai/gpt-5.6-luna": {} } },
    }).llmman.models;
    expect(Object.keys(models)).toEqual(["llmman.hybrid/qwen3.8,openai/gpt-5.6-luna", "llmman.provider/openai/gpt-5.6-luna"]);
  });
});
