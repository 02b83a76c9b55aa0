import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../src/config/resolve.ts";
import { hubCacheDir, listCachedModelIds, readCachedModelConfig } from "../src/inferrs/discovery/hf-cache.ts";
import { buildModelEntry, modelEntryFor } from "../src/inferrs/discovery/model-entry.ts";
import { describeModel, inferrsContextLimit, maxSeqLenFromArgs } from "../src/inferrs/discovery/model-metadata.ts";
import { detectChatTemplate } from "../src/inferrs/discovery/chat-template.ts";
import { seedHfCache } from "../tools/emulator/hf-cache.ts";

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
    ["Gemma 3 is capped at its sliding window", { architectures: ["Gemma3ForCausalLM"], model_type: "gemma3_text", sliding_window: 512, max_position_embeddings: 32768 }, 512],
    ["Gemma 2", { model_type: "gemma2", max_position_embeddings: 8192 }, 8192],
    ["Qwen2 default", { model_type: "qwen2" }, 131072],
    ["Qwen3", { model_type: "qwen3", max_position_embeddings: 40960 }, 40960],
    ["Phi-3 default", { model_type: "phi3" }, 4096],
    ["architectures is used when model_type is missing", { architectures: ["Qwen3ForCausalLM"], max_position_embeddings: 32768 }, 32768],
    ["architectures wins over model_type, as in inferrs", { architectures: ["Phi3ForCausalLM"], model_type: "qwen3", max_position_embeddings: 8192 }, 8192],
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

describe("chat template (inferrs' detect_chat_template)", () => {
  test.each([
    // inferrs' own tokenizer.rs tests
    ["ChatML markers without enable_thinking", "{% if messages[0]['role'] == 'system' %}<|im_start|>system...", "ChatML"],
    ["ChatML markers with enable_thinking", "<|im_start|>...enable_thinking...", "Qwen35"],
    ["only im_end counts too", "{{ '<|im_end|>' }}{% if enable_thinking %}", "Qwen35"],
    ["Gemma turn markers", "{{ bos_token }}<start_of_turn>user", "Gemma"],
    ["Gemma turn markers with a literal <bos>", "<bos><start_of_turn>user", "Gemma3"],
    ["anything else", "<|user|>\n{{ content }}<|end|>", "ChatML"],
    ["no template", undefined, "ChatML"],
  ])("%s", (_name, template, expected) => {
    expect(detectChatTemplate(template)).toBe(expected);
  });
});

describe("tools and thinking from the cached snapshot's tokenizer_config.json", () => {
  let root: string;
  let hub: string;
  const config = resolveConfig({});
  const caps = (id: string) => {
    const entry = modelEntryFor(id, config, hub);
    return { tools: entry.compat.supportsTools, reasoning: entry.reasoning, effort: entry.compat.supportsReasoningEffort };
  };
  const yes = { tools: true, reasoning: true, effort: true };
  const no = { tools: false, reasoning: false, effort: false };
  const snapshotDir = (id: string) => join(hub, `models--${id.replaceAll("/", "--")}`, "snapshots");
  const refFile = (id: string) => join(hub, `models--${id.replaceAll("/", "--")}`, "refs", "main");

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "inferrs-tpl-"));
    hub = seedHfCache(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  test("Qwen3 (its template has enable_thinking) gets native tools and thinking; Gemma 3, Gemma 4 and Phi-3 do not", () => {
    expect(caps("Qwen/Qwen3-0.6B")).toEqual(yes);
    expect(caps("Qwen/Qwen3.5-0.8B")).toEqual(yes);
    expect(caps("google/gemma-3-1b-it")).toEqual(no);
    expect(caps("google/gemma-4-E2B-it")).toEqual(no);
    expect(caps("microsoft/Phi-3-mini-4k-instruct")).toEqual(no);
  });

  test("Gemma 4 and Phi-3 are decided by architecture, whatever their tokenizer says", () => {
    const qwenTokenizer = { "tokenizer_config.json": { chat_template: "<|im_start|>{% if enable_thinking %}" } };
    seedHfCache(root, [
      { id: "microsoft/Phi-3-mini-4k-instruct", tokenizer: qwenTokenizer },
      { id: "google/gemma-4-E2B-it", tokenizer: qwenTokenizer },
    ]);
    expect(caps("microsoft/Phi-3-mini-4k-instruct")).toEqual(no);
    expect(caps("google/gemma-4-E2B-it")).toEqual(no);
  });

  test("a template without enable_thinking, a list-form chat_template, chat_template.jinja only, or no tokenizer_config.json leaves inferrs on ChatML", () => {
    const chatml = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>{% endfor %}";
    seedHfCache(root, [
      { id: "org/Qwen2.5-chatml", config: { architectures: ["Qwen2ForCausalLM"] }, tokenizer: { "tokenizer_config.json": { chat_template: chatml } } },
      {
        id: "org/list-form",
        config: { architectures: ["Qwen3ForCausalLM"] },
        tokenizer: { "tokenizer_config.json": { chat_template: [{ name: "default", template: "<|im_start|> enable_thinking" }] } },
      },
      { id: "org/jinja-only", config: { architectures: ["Qwen3ForCausalLM"] }, tokenizer: { "chat_template.jinja": "<|im_start|> enable_thinking" } },
      { id: "org/Qwen3.5-without-tokenizer", config: { architectures: ["Qwen3_5ForConditionalGeneration"] }, tokenizer: {} },
    ]);
    for (const id of ["org/Qwen2.5-chatml", "org/list-form", "org/jinja-only", "org/Qwen3.5-without-tokenizer"]) expect([id, caps(id)]).toEqual([id, no]);
  });

  test("refs/main is read as is, like hf-hub: a ref with a newline or to a missing snapshot tells nothing, so the old default holds", () => {
    writeFileSync(refFile("Qwen/Qwen3-0.6B"), `${readRef("Qwen/Qwen3-0.6B")}\n`);
    expect(caps("Qwen/Qwen3-0.6B")).toEqual(no);
    writeFileSync(refFile("Qwen/Qwen3.5-0.8B"), "0000000000000000000000000000000000000000");
    expect(caps("Qwen/Qwen3.5-0.8B")).toEqual(yes);
    writeFileSync(refFile("google/gemma-3-1b-it"), "../../models--Qwen--Qwen3-0.6B/snapshots/x");
    expect(caps("google/gemma-3-1b-it")).toEqual(no);
  });

  test("a model with no cache entry keeps the old default: Qwen3.5 by id only", () => {
    expect(caps("someone/Qwen3.5-9B")).toEqual(yes);
    expect(caps("someone/Qwen3-8B")).toEqual(no);
  });

  test("a tokenizer_config.json that is a FIFO is not read (no hang), and leaves ChatML", () => {
    const file = join(snapshotDir("Qwen/Qwen3-0.6B"), readRef("Qwen/Qwen3-0.6B"), "tokenizer_config.json");
    rmSync(file);
    execFileSync("mkfifo", [file]);
    expect(caps("Qwen/Qwen3-0.6B")).toEqual(no);
  });

  function readRef(id: string): string {
    return readFileSync(refFile(id), "utf8");
  }
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
    expect(buildModelEntry("google/gemma-3-1b-it", { architectures: ["Gemma3ForCausalLM"], sliding_window: 512 }, undefined, []).maxTokens).toBe(512);
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
