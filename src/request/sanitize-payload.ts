// Proxy-style request hygiene, enforced on the final payload whatever the host's heuristics did:
// no OpenAI-only fields, string content where it is only text, no `developer` role, and no
// tools for models that cannot call them (`infer model run` ignores those compat flags), and no
// `reasoning_effort` for thinking "off".

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

/**
 * `tools: false` drops tool schemas for models whose template does not return native tool_calls
 * (`infer model run` ignores compat.supportsTools, so this is enforced here too).
 */
export function sanitizePayload(payload: Record<string, unknown>, options: { tools: boolean }): Record<string, unknown> {
  for (const field of [...OPENAI_ONLY_FIELDS, ...UNSUPPORTED_FIELDS]) delete payload[field];
  if (!options.tools) for (const field of TOOL_FIELDS) delete payload[field];
  if ("reasoning_effort" in payload && THINKING_OFF.has(payload.reasoning_effort)) delete payload.reasoning_effort;
  if (Array.isArray(payload.messages)) {
    payload.messages = payload.messages.map((message: Message) => sanitizeMessage(message));
  }
  return payload;
}

function sanitizeMessage(message: Message): Message {
  if (!message || typeof message !== "object") return message;
  const role = message.role === "developer" ? "system" : message.role;
  return { ...message, role, content: flattenTextParts(message.content) };
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
