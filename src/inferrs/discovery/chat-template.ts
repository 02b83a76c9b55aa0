// The chat template inferrs picks for a model (inferrs/src/tokenizer.rs `from_file_with_arch`,
// `detect_chat_template`): it decides whether tools come back as native tool_calls and whether
// `reasoning_effort` turns thinking on. Only the Qwen35 template does both.
import type { TokenizerTemplate } from "./hf-cache.ts";

export type ChatTemplateKind = "Qwen35" | "ChatML" | "Gemma" | "Gemma3" | "Gemma4" | "Phi";

/** `detect_chat_template` on tokenizer_config.json's `chat_template` (ChatML when there is none). */
export function detectChatTemplate(template: string | undefined): ChatTemplateKind {
  if (template === undefined) return "ChatML";
  if (template.includes("im_start") || template.includes("im_end")) {
    return template.includes("enable_thinking") ? "Qwen35" : "ChatML";
  }
  if (template.includes("start_of_turn") || template.includes("end_of_turn")) {
    return template.includes("<bos>") || template.includes("gemma3") ? "Gemma3" : "Gemma";
  }
  return "ChatML";
}

/**
 * The template inferrs would use, or undefined when the cache cannot tell (no snapshot for the
 * ref: inferrs would download tokenizer_config.json first). `arch` is `architectureOf(config.json)`:
 * Gemma 4 and Phi-3 are chosen by architecture whatever the tokenizer says.
 */
export function chatTemplateOf(arch: string | undefined, tokenizer: TokenizerTemplate): ChatTemplateKind | undefined {
  if (arch === "gemma4") return "Gemma4";
  if (arch === "phi3") return "Phi";
  return tokenizer.snapshot ? detectChatTemplate(tokenizer.chatTemplate) : undefined;
}

/** `chat_template_handles_tools_natively`; the same template is the one with thinking control. */
export function returnsNativeToolCalls(kind: ChatTemplateKind): boolean {
  return kind === "Qwen35";
}
