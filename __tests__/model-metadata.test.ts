import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { hubCacheDir, listCachedModelIds, readCachedModelConfig } from "../src/inferrs/discovery/hf-cache.ts";
import { buildModelEntry, modelEntryFor } from "../src/inferrs/discovery/model-entry.ts";
import { describeModel, inferrsContextLimit, maxSeqLenFromArgs } from "../src/inferrs/discovery/model-metadata.ts";

const gemma4 = {
  model_type: "gemma4",
  text_config: { max_position_embeddings: 131072 },
  vision_config: { model_type: "gemma4_vision" },
};
const qwen35 = { model_type: "qwen3_5", text_config: { max_position_embeddings: 262144 } };

describe("context window rules (inferrs' effective_max_seq_len)", () => {
  test.each([
    ["Gemma 4 uses text_config.max_position_embeddings", gemma4, 131072],
    ["Gemma 4 without it defaults to 8192", { model_type: "gemma4", text_config: {} }, 8192],
    ["Gemma 3 is capped at its sliding window", { model_type: "gemma3_text", sliding_window: 512, max_position_embeddings: 32768 }, 512],
    ["Gemma 2", { model_type: "gemma2", max_position_embeddings: 8192 }, 8192],
    ["Qwen2 default", { model_type: "qwen2" }, 131072],
    ["Qwen3", { model_type: "qwen3", max_position_embeddings: 40960 }, 40960],
    ["Phi-3 default", { model_type: "phi3" }, 4096],
    ["architectures is used when model_type is missing", { architectures: ["Qwen3ForCausalLM"], max_position_embeddings: 32768 }, 32768],
  ])("%s", (_name, config, expected) => {
    expect(inferrsContextLimit(config)).toBe(expected);
  });

  test("Qwen3.5 has no inferrs limit: the model's own trained limit is used", () => {
    expect(inferrsContextLimit(qwen35)).toBeUndefined();
    expect(describeModel("Qwen/Qwen3.5-0.8B", qwen35).contextWindow).toBe(262144);
  });

  test("--max-seq-len among the serve args wins over config.json", () => {
    expect(maxSeqLenFromArgs(["--max-seq-len", "8192"])).toBe(8192);
    expect(maxSeqLenFromArgs(["--max-seq-len=4096"])).toBe(4096);
    expect(maxSeqLenFromArgs(["--max-seq-len", "0"])).toBeUndefined();
    expect(describeModel("google/gemma-4-E2B-it", gemma4, ["--max-seq-len", "8192"])).toMatchObject({
      contextWindow: 8192,
    });
  });

  test("an unknown model falls back to 131072", () => {
    expect(describeModel("someone/unknown", undefined)).toMatchObject({ contextWindow: 131072 });
  });
});

describe("model entries", () => {
  test("Gemma 4 with a vision tower takes images, has no tools and does not reason", () => {
    const entry = buildModelEntry("google/gemma-4-E2B-it", gemma4, undefined, []);
    expect(entry).toEqual({
      id: "google/gemma-4-E2B-it",
      name: "google/gemma-4-E2B-it",
      api: "openai-completions",
      reasoning: false,
      input: ["text", "image"],
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      contextWindow: 131072,
      maxTokens: 4096,
      compat: {
        requiresStringContent: true,
        supportsDeveloperRole: false,
        supportsUsageInStreaming: false,
        supportsStore: false,
        supportsJsonSchemaResponseFormat: false,
        supportsTools: false,
        supportsReasoningEffort: false,
      },
    });
  });

  test("Qwen3.5 reasons, takes thinking levels as reasoning_effort and gets tools (its template returns native tool_calls)", () => {
    const entry = buildModelEntry("Qwen/Qwen3.5-0.8B", qwen35, undefined, []);
    expect(entry.reasoning).toBe(true);
    expect(entry.compat.supportsReasoningEffort).toBe(true);
    expect(entry.compat.supportsTools).toBe(true);
    expect(entry.input).toEqual(["text"]);
  });

  test("maxTokens never exceeds the context window", () => {
    expect(buildModelEntry("google/gemma-3-1b-it", { model_type: "gemma3_text", sliding_window: 512 }, undefined, []).maxTokens).toBe(512);
  });

  test("config overrides win", () => {
    const entry = buildModelEntry(
      "google/gemma-4-E2B-it",
      gemma4,
      { name: "Gemma", contextWindow: 32768, maxTokens: 1000, reasoning: true, input: ["text"], supportsTools: true },
      [],
    );
    expect(entry).toMatchObject({
      name: "Gemma",
      contextWindow: 32768,
      maxTokens: 1000,
      reasoning: true,
      input: ["text"],
      compat: { supportsTools: true, supportsReasoningEffort: true, requiresStringContent: true },
    });
  });
});

describe("Hugging Face cache", () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "inferrs-hf-"));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function cache(id: string, config: unknown, snapshot = "abc123", ref = true): void {
    const dir = join(root, "hub", `models--${id.replaceAll("/", "--")}`);
    mkdirSync(join(dir, "snapshots", snapshot), { recursive: true });
    if (ref) {
      mkdirSync(join(dir, "refs"), { recursive: true });
      writeFileSync(join(dir, "refs", "main"), snapshot);
    }
    writeFileSync(join(dir, "snapshots", snapshot, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  }

  test("the cache dir follows HF_HOME, then XDG_CACHE_HOME, then ~/.cache", () => {
    expect(hubCacheDir({ HF_HOME: "/h", XDG_CACHE_HOME: "/x", HOME: "/home/u" })).toBe("/h/hub");
    expect(hubCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/home/u" })).toBe("/x/huggingface/hub");
    expect(hubCacheDir({ HOME: "/home/u" })).toBe("/home/u/.cache/huggingface/hub");
  });

  test("lists one sorted id per models-- dir, like inferrs", () => {
    cache("Qwen/Qwen3.5-0.8B", qwen35);
    cache("google/gemma-4-E2B-it", gemma4);
    mkdirSync(join(root, "hub", "datasets--x--y"), { recursive: true });
    expect(listCachedModelIds(join(root, "hub"))).toEqual(["Qwen/Qwen3.5-0.8B", "google/gemma-4-E2B-it"]);
    expect(listCachedModelIds(join(root, "missing"))).toEqual([]);
  });

  test("reads config.json from the snapshot refs/main points at", () => {
    cache("google/gemma-4-E2B-it", gemma4);
    const config = resolveConfig({});
    expect(modelEntryFor("google/gemma-4-E2B-it", config, join(root, "hub")).input).toEqual(["text", "image"]);
  });

  test("a model's request timeout covers a start (service.readyTimeoutMs) plus an answer", () => {
    expect(modelEntryFor("any/model", resolveConfig({}), join(root, "hub")).requestTimeoutMs).toBe(180_000 + 300_000);
    const slowStart = resolveConfig({ service: { readyTimeoutMs: 1_800_000 } });
    expect(modelEntryFor("any/model", slowStart, join(root, "hub")).requestTimeoutMs).toBe(1_800_000 + 300_000);
  });

  test("a broken config.json falls back instead of failing", () => {
    cache("broken/model", "{not json", "s1", false);
    expect(readCachedModelConfig(join(root, "hub"), "broken/model")).toBeUndefined();
    expect(modelEntryFor("broken/model", resolveConfig({}), join(root, "hub")).contextWindow).toBe(131072);
  });
});
