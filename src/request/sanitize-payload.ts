// Proxy-style request hygiene, enforced on the final payload whatever the host's heuristics did:
// no OpenAI-only fields, string content where it is only text, no `developer` role, and no
// tools for models that cannot call them (`infer model run` ignores those compat flags), and no
// `reasoning_effort` for thinking "off". The defaults are inferrs'; llmman (llama-server behind
// it) takes content parts and streams usage.

/** OpenAI-native fields inferrs ignores or that only make sense against api.openai.com. */
const OPENAI_ONLY_FIELDS = ["service_tier", "store", "prompt_cache_key", "prompt_cache_retention", "safety_identifier"];
/** inferrs never streams a usage chunk. */
const UNSUPPORTED_FIELDS = ["stream_options"];
const TOOL_FIELDS = ["tools", "tool_choice", "parallel_tool_calls"];
/**
 * inferrs turns thinking on for any non-null `reasoning_effort`; OpenClaw sends "none" for
 * `--thinking off`, so that value (and null) must not reach it at all.
 */
const THINKING_OFF = new Set<unknown>(["none", null]);

type Message = { role?: unknown; content?: unknown };
type Part = { type?: unknown; text?: unknown };

export type PayloadRules = {
  /** false drops tool schemas (templates that do not return native tool_calls). */
  tools: boolean;
  /** The server takes content part arrays (default: flatten text-only arrays to a string). */
  contentParts?: boolean;
  /** The server streams a usage chunk (default: stream_options is dropped). */
  streamUsage?: boolean;
};

export function sanitizePayload(payload: Record<string, unknown>, rules: PayloadRules): Record<string, unknown> {
  for (const field of [...OPENAI_ONLY_FIELDS, ...(rules.streamUsage ? [] : UNSUPPORTED_FIELDS)]) delete payload[field];
  if (!rules.tools) for (const field of TOOL_FIELDS) delete payload[field];
  if ("reasoning_effort" in payload && THINKING_OFF.has(payload.reasoning_effort)) delete payload.reasoning_effort;
  if (Array.isArray(payload.messages)) {
    payload.messages = payload.messages.map((message: Message) => sanitizeMessage(message, rules.contentParts === true));
  }
  return payload;
}

function sanitizeMessage(message: Message, contentParts: boolean): Message {
  if (!message || typeof message !== "object") return message;
  const role = message.role === "developer" ? "system" : message.role;
  return { ...message, role, content: contentParts ? message.content : flattenTextParts(message.content) };
}

/**
 * inferrs before 2026-04 accepts only string content. Text-only part arrays become one string
 * (inferrs concatenates parts with no separator itself); arrays with images stay arrays, since
 * only vision models get them and those need a newer inferrs anyway.
 */
function flattenTextParts(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  const parts = content as Part[];
  if (!parts.every((part) => part?.type === "text" && typeof part.text === "string")) return content;
  return parts.map((part) => part.text).join("");
}
