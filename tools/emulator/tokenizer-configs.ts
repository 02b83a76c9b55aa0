// Realistic tokenizer_config.json files (and the chat_template.jinja newer repos ship beside it)
// for the seeded models. inferrs picks its chat template from `chat_template` in
// tokenizer_config.json only (tokenizer.rs `detect_chat_template`), so these decide which models
// get native tool calls and thinking.

const lines = (...parts: string[]): string => parts.join("\n");

/** Qwen3's template (Qwen/Qwen3-0.6B): ChatML markers, <tool_call> blocks and `enable_thinking`. */
const QWEN3_TEMPLATE = lines(
  "{%- if tools %}",
  "    {{- '<|im_start|>system\\n' }}",
  "    {%- if messages[0].role == 'system' %}",
  "        {{- messages[0].content + '\\n\\n' }}",
  "    {%- endif %}",
  '    {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}',
  "    {%- for tool in tools %}",
  '        {{- "\\n" }}',
  "        {{- tool | tojson }}",
  "    {%- endfor %}",
  '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}',
  "{%- else %}",
  "    {%- if messages[0].role == 'system' %}",
  "        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}",
  "    {%- endif %}",
  "{%- endif %}",
  "{%- for message in messages %}",
  "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}",
  "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}",
  '    {%- elif message.role == "assistant" %}',
  "        {{- '<|im_start|>' + message.role + '\\n' + message.content }}",
  "        {%- for tool_call in message.tool_calls or [] %}",
  "            {%- if tool_call.function %}{%- set tool_call = tool_call.function %}{%- endif %}",
  "            {{- '\\n<tool_call>\\n{\"name\": \"' + tool_call.name + '\", \"arguments\": ' + (tool_call.arguments if tool_call.arguments is string else tool_call.arguments | tojson) + '}\\n</tool_call>' }}",
  "        {%- endfor %}",
  "        {{- '<|im_end|>\\n' }}",
  '    {%- elif message.role == "tool" %}',
  "        {%- if loop.first or (messages[loop.index0 - 1].role != \"tool\") %}{{- '<|im_start|>user' }}{%- endif %}",
  "        {{- '\\n<tool_response>\\n' + message.content + '\\n</tool_response>' }}",
  "        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}{{- '<|im_end|>\\n' }}{%- endif %}",
  "    {%- endif %}",
  "{%- endfor %}",
  "{%- if add_generation_prompt %}",
  "    {{- '<|im_start|>assistant\\n' }}",
  "    {%- if enable_thinking is defined and enable_thinking is false %}",
  "        {{- '<think>\\n\\n</think>\\n\\n' }}",
  "    {%- endif %}",
  "{%- endif %}",
);

/** Qwen3.5's: the same ChatML + tools + thinking shape, with vision placeholders. */
const QWEN35_TEMPLATE = QWEN3_TEMPLATE.replace(
  "{%- for message in messages %}",
  lines(
    "{%- macro render_content(content) %}",
    "    {%- if content is string %}{{- content }}{%- else %}{%- for item in content %}",
    "        {%- if item.type == 'image' or 'image' in item %}{{- '<|vision_start|><|image_pad|><|vision_end|>' }}",
    "        {%- elif item.type == 'text' %}{{- item.text }}{%- endif %}",
    "    {%- endfor %}{%- endif %}",
    "{%- endmacro %}",
    "{%- for message in messages %}",
  ),
);

/** Qwen2.5's: ChatML markers and tools, but no `enable_thinking` (inferrs: ChatML, tools folded). */
const QWEN25_TEMPLATE = QWEN3_TEMPLATE.split("{%- if add_generation_prompt %}")[0] + "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}";

/** google/gemma-3-1b-it: <start_of_turn> markers, BOS from `bos_token`. */
const GEMMA3_TEMPLATE = lines(
  "{{ bos_token }}",
  "{%- if messages[0]['role'] == 'system' -%}",
  "    {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}",
  "    {%- set loop_messages = messages[1:] -%}",
  "{%- else -%}",
  '    {%- set first_user_prefix = "" -%}',
  "    {%- set loop_messages = messages -%}",
  "{%- endif -%}",
  "{%- for message in loop_messages -%}",
  "    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}",
  '        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}',
  "    {%- endif -%}",
  "    {%- set role = \"model\" if message['role'] == 'assistant' else message['role'] -%}",
  "    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else \"\") }}",
  "    {{ message['content'] | trim }}",
  "    {{ '<end_of_turn>\\n' }}",
  "{%- endfor -%}",
  "{%- if add_generation_prompt -%}",
  "    {{'<start_of_turn>model\\n'}}",
  "{%- endif -%}",
);

/** microsoft/Phi-3-mini-4k-instruct: pipe-delimited role markers. */
const PHI3_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}" +
  "{% elif message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}" +
  "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}";

/** google/gemma-4-E2B-it keeps its template in chat_template.jinja, which inferrs never reads. */
const GEMMA4_JINJA = lines(
  "{{ bos_token }}",
  "{%- for message in messages -%}",
  "    {%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}",
  "    {{ '<|turn>' + role + '\\n' + message['content'] | trim + '<turn|>\\n' }}",
  "{%- endfor -%}",
  "{%- if add_generation_prompt -%}{{ '<|turn>model\\n' }}{%- endif -%}",
);

type Added = Record<string, { content: string; lstrip: boolean; normalized: boolean; rstrip: boolean; single_word: boolean; special: boolean }>;

function added(tokens: Array<[number, string, boolean]>): Added {
  const out: Added = {};
  for (const [id, content, special] of tokens) out[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special };
  return out;
}

const QWEN_ADDED = added([
  [151643, "<|endoftext|>", true],
  [151644, "<|im_start|>", true],
  [151645, "<|im_end|>", true],
  [151652, "<|vision_start|>", true],
  [151653, "<|vision_end|>", true],
  [151655, "<|image_pad|>", true],
  [151657, "<tool_call>", false],
  [151658, "</tool_call>", false],
  [151665, "<tool_response>", false],
  [151666, "</tool_response>", false],
  [151667, "<think>", false],
  [151668, "</think>", false],
]);

function qwen(template: string): Record<string, unknown> {
  return {
    add_bos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: QWEN_ADDED,
    additional_special_tokens: ["<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>", "<|image_pad|>"],
    bos_token: null,
    chat_template: template,
    clean_up_tokenization_spaces: false,
    eos_token: "<|im_end|>",
    errors: "replace",
    model_max_length: 131072,
    pad_token: "<|endoftext|>",
    split_special_tokens: false,
    tokenizer_class: "Qwen2Tokenizer",
    unk_token: null,
  };
}

function gemma(template: string | undefined): Record<string, unknown> {
  return {
    added_tokens_decoder: added([[0, "<pad>", true], [1, "<eos>", true], [2, "<bos>", true], [3, "<unk>", true], [105, "<start_of_turn>", true], [106, "<end_of_turn>", true]]),
    bos_token: "<bos>",
    ...(template === undefined ? {} : { chat_template: template }),
    clean_up_tokenization_spaces: false,
    eos_token: "<eos>",
    pad_token: "<pad>",
    padding_side: "left",
    sp_model_kwargs: {},
    spaces_between_special_tokens: false,
    tokenizer_class: "GemmaTokenizer",
    unk_token: "<unk>",
    use_default_system_prompt: false,
  };
}

const PHI3 = {
  add_bos_token: false,
  add_eos_token: false,
  added_tokens_decoder: added([[0, "<unk>", true], [1, "<s>", true], [2, "</s>", false], [32000, "<|endoftext|>", true], [32001, "<|assistant|>", true], [32006, "<|system|>", true], [32007, "<|end|>", true], [32010, "<|user|>", true]]),
  bos_token: "<s>",
  chat_template: PHI3_TEMPLATE,
  clean_up_tokenization_spaces: false,
  eos_token: "<|endoftext|>",
  legacy: false,
  model_max_length: 4096,
  pad_token: "<|endoftext|>",
  padding_side: "left",
  sp_model_kwargs: {},
  tokenizer_class: "LlamaTokenizer",
  unk_token: "<unk>",
  use_default_system_prompt: false,
};

/** The tokenizer files of a model's snapshot, by file name. */
export type TokenizerFiles = { "tokenizer_config.json"?: Record<string, unknown>; "chat_template.jinja"?: string };

/** Tokenizer files by family, like presetConfig: Qwen3/Qwen3.5 (thinking + tools), Qwen2.5, Gemma, Phi-3. */
export function presetTokenizerFiles(modelId: string): TokenizerFiles {
  const name = modelId.toLowerCase();
  if (/qwen3[._-]?5/.test(name)) return { "tokenizer_config.json": qwen(QWEN35_TEMPLATE) };
  if (/qwen3/.test(name)) return { "tokenizer_config.json": qwen(QWEN3_TEMPLATE) };
  if (/qwen2/.test(name)) return { "tokenizer_config.json": qwen(QWEN25_TEMPLATE) };
  if (/gemma-?4/.test(name)) return { "tokenizer_config.json": gemma(undefined), "chat_template.jinja": GEMMA4_JINJA };
  if (/gemma/.test(name)) return { "tokenizer_config.json": gemma(GEMMA3_TEMPLATE) };
  if (/phi-?[34]/.test(name)) return { "tokenizer_config.json": PHI3 };
  return {};
}
