// The Rust request types of inferrs' server.rs / tokenizer.rs, described for serde.ts.
// Field order follows the Rust structs (it decides which missing field is reported first).
import { RELEASES } from "./knobs.ts";
import type { Field, Schema } from "./serde.ts";

const str: Schema = { t: "string" };
const bool: Schema = { t: "bool" };
const f64: Schema = { t: "f64" };
const usize: Schema = { t: "uint", name: "usize" };
const value: Schema = { t: "value" };
const opt = (of: Schema): Field => ({ s: { t: "option", of } });
const req = (s: Schema): Field => ({ s, required: true });
const dflt = (s: Schema): Field => ({ s }); // #[serde(default)]

const audioInput: Schema = { t: "struct", name: "AudioInput", fields: { data: req(str), format: dflt(str) } };
const contentPart: Schema = {
  t: "struct",
  name: "ContentPart",
  fields: { type: req(str), text: opt(str), image_url: opt({ t: "struct", name: "ImageUrlDetail", fields: { url: req(str) } }) },
};
const stopSequences: Schema = { t: "untagged", name: "StopSequences", variants: [{ t: "null" }, str, { t: "vec", of: str }] };

/** ChatMessage as of the given release (see knobs.ts RELEASES). */
function chatMessage(release: string): Schema {
  if (release < RELEASES.arrayContent) {
    return {
      t: "struct",
      name: "ChatMessage",
      fields: { role: req({ t: "enum", variants: ["system", "user", "assistant"] }), content: req(str), audio: opt(audioInput) },
    };
  }
  if (release < RELEASES.nullContentAndToolRole) {
    return {
      t: "struct",
      name: "ChatMessage",
      fields: {
        role: req({ t: "enum", variants: ["system", "user", "assistant"] }),
        content: req({ t: "content", expecting: "a string or an array of content parts", allowNull: false, part: contentPart }),
        audio: opt(audioInput),
      },
    };
  }
  return {
    t: "struct",
    name: "ChatMessage",
    fields: {
      role: req({ t: "enum", variants: ["system", "user", "assistant", "tool", "function"] }),
      content: dflt({ t: "content", expecting: "a string, an array of content parts, or null", allowNull: true, part: contentPart }),
      audio: opt(audioInput),
      tool_calls: opt(value),
      tool_call_id: opt(str),
    },
  };
}

export function chatCompletionRequest(release: string): Schema {
  const fields: Record<string, Field> = {
    model: opt(str),
    messages: req({ t: "vec", of: chatMessage(release) }),
    temperature: opt(f64),
    top_p: opt(f64),
    top_k: opt(usize),
    max_tokens: opt(usize),
    max_completion_tokens: opt(usize),
    stream: opt(bool),
    repetition_penalty: opt(f64),
  };
  if (release >= RELEASES.cacheListing) {
    Object.assign(fields, {
      repeat_last_n: opt(usize),
      frequency_penalty: opt(f64),
      presence_penalty: opt(f64),
      min_p: opt(f64),
      logit_bias: opt({ t: "map", of: f64 }),
      seed: opt({ t: "uint", name: "u64" }),
      logprobs: opt(bool),
      top_logprobs: opt({ t: "uint", name: "u8" }),
      stop: dflt(stopSequences),
    });
  }
  if (release >= RELEASES.toolsFolded) Object.assign(fields, { tools: opt(value), tool_choice: opt(value) });
  if (release >= RELEASES.cacheListing) {
    Object.assign(fields, {
      response_format: opt({ t: "struct", name: "ResponseFormat", fields: { type: req(str), json_schema: opt(value) } }),
      service_tier: opt(value),
      store: opt(value),
      reasoning_effort: opt(value),
    });
  }
  return { t: "struct", name: "ChatCompletionRequest", fields };
}

export const completionRequest: Schema = {
  t: "struct",
  name: "CompletionRequest",
  fields: {
    model: opt(str),
    prompt: req(str),
    temperature: opt(f64),
    top_p: opt(f64),
    top_k: opt(usize),
    max_tokens: opt(usize),
    stream: opt(bool),
    repetition_penalty: opt(f64),
    repeat_last_n: opt(usize),
    frequency_penalty: opt(f64),
    presence_penalty: opt(f64),
    seed: opt({ t: "uint", name: "u64" }),
    logprobs: opt({ t: "uint", name: "u8" }),
    stop: dflt(stopSequences),
  },
};

export const anthropicMessagesRequest: Schema = {
  t: "struct",
  name: "AnthropicMessagesRequest",
  fields: {
    model: opt(str),
    messages: req({
      t: "vec",
      of: { t: "struct", name: "AnthropicMessage", fields: { role: req({ t: "enum", variants: ["user", "assistant"] }), content: req(str) } },
    }),
    max_tokens: req(usize),
    stream: opt(bool),
    temperature: opt(f64),
    top_p: opt(f64),
    top_k: opt(usize),
    system: opt(str),
  },
};

const embeddingInput: Schema = { t: "untagged", name: "EmbeddingInput", variants: [str, { t: "vec", of: str }] };

export const embeddingRequest: Schema = {
  t: "struct",
  name: "EmbeddingRequest",
  fields: { model: opt(str), input: req(embeddingInput), encoding_format: opt(str) },
};

const ollamaOptions: Field = opt({
  t: "struct",
  name: "OllamaOptions",
  fields: {
    temperature: opt(f64), top_p: opt(f64), top_k: opt(usize), num_predict: opt(usize), repeat_penalty: opt(f64),
    repeat_last_n: opt(usize), dtype: opt(str), device: opt(str), revision: opt(str), paged_attention: opt(f64),
    turbo_quant: opt(str), quantize: opt(str), gguf_file: opt(str), tokenizer_source: opt(str),
    seed: opt({ t: "i64" }), min_p: opt(f64), stop: opt({ t: "vec", of: str }), presence_penalty: opt(f64),
    frequency_penalty: opt(f64), logit_bias: opt({ t: "map", of: f64 }),
  },
});

export const ollamaEmbedRequest: Schema = {
  t: "struct",
  name: "OllamaEmbedRequest",
  fields: { model: req(str), input: req(embeddingInput), options: ollamaOptions },
};

export const ollamaShowRequest: Schema = {
  t: "struct",
  name: "OllamaShowRequest",
  fields: { model: req(str), verbose: opt(bool) },
};

export const ollamaGenerateRequest: Schema = {
  t: "struct",
  name: "OllamaGenerateRequest",
  fields: {
    model: req(str), prompt: opt(str), system: opt(str), stream: opt(bool), raw: opt(bool), options: ollamaOptions,
    think: opt(bool), keep_alive: opt({ t: "i64" }),
  },
};

export const ollamaChatRequest: Schema = {
  t: "struct",
  name: "OllamaChatRequest",
  fields: {
    model: req(str),
    messages: req({
      t: "vec",
      of: {
        t: "struct",
        name: "OllamaChatMessage",
        fields: {
          role: req(str), content: req(str), images: dflt({ t: "vec", of: str }), thinking: opt(str),
          tool_calls: opt(value), tool_name: opt(str),
        },
      },
    }),
    stream: opt(bool),
    options: ollamaOptions,
    think: opt(bool),
    tools: opt(value),
  },
};

export const ollamaPullRequest: Schema = {
  t: "struct",
  name: "OllamaPullRequest",
  fields: { model: dflt(str), name: dflt(str), insecure: dflt(bool), stream: opt(bool) },
};
