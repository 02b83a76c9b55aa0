// Before a llmman model becomes the default: the daemon up (started on demand, and stopped again
// if onboarding started it), the model pulled when missing (with progress), then a short real
// answer and, where the model renders tools, one tool call, each within its deadline.
import { llmmanJson, LlmmanApiError, type ApiTarget } from "../api.ts";
import type { LlmmanDaemons } from "../daemon/supervisor.ts";
import { MAX_SHOW_BODY_BYTES } from "../defaults.ts";
import { bearerFor } from "../discovery/facts.ts";
import type { ResolvedLlmmanConfig } from "../config.ts";
import { PullError } from "../request/pull.ts";
import { ensureStored } from "../request/stored.ts";

/** Each check's deadline; a cold load of a small model takes seconds, a large one a minute or two. */
export const CHECK_TIMEOUT_MS = 180_000;

export type VerifyDeps = {
  daemons: Pick<LlmmanDaemons, "acquire" | "stopDaemon">;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
  checkTimeoutMs?: number;
};

/** undefined when the model answered (and called the tool); else which step failed and why. */
export async function verifyModel(config: ResolvedLlmmanConfig, ref: string, deps: VerifyDeps): Promise<string | undefined> {
  const deadline = AbortSignal.timeout(config.requestTimeoutMs);
  let lease;
  try {
    lease = await deps.daemons.acquire(config, { signal: deadline, onProgress: (progress) => deps.log(progress.message) });
  } catch (error) {
    return `llmman could not be started: ${messageOf(error)}`;
  }
  const timeoutMs = deps.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
  const target: ApiTarget = { origin: new URL(lease.baseUrl).origin, apiKey: bearerFor(config, deps.env), timeoutMs };
  try {
    try {
      await ensureStored({ ...target, timeoutMs: config.requestTimeoutMs }, ref, deadline, (status) => deps.log(status.message));
    } catch (error) {
      if (error instanceof PullError || error instanceof LlmmanApiError) return `the pull failed: ${error.message}`;
      throw error;
    }
    deps.log(`Checking that ${ref} answers (deadline ${timeoutMs / 1000} s)…`);
    const answer = await check(target, { model: ref, messages: [{ role: "user", content: "What is 2 + 2? Answer in one short sentence." }], max_tokens: 64 }, timeoutMs);
    if (answer instanceof Failure) return `the answer check failed: ${answer.message}`;
    const text = typeof answer.content === "string" ? answer.content.trim() : "";
    if (!text) return "the answer check failed: the model answered with no text";
    deps.log(`${ref} answered: ${JSON.stringify(text.slice(0, 120))}`);
    if (!(await rendersTools(target, ref))) {
      deps.log(`${ref} has no tool support in its chat template: tool call check skipped.`);
      return undefined;
    }
    const called = await check(
      target,
      {
        model: ref,
        messages: [{ role: "user", content: 'Call get_weather with {"city": "Paris"}.' }],
        tools: [WEATHER_TOOL],
        max_tokens: 128,
      },
      timeoutMs,
    );
    if (called instanceof Failure) return `the tool call check failed: ${called.message}`;
    const call = Array.isArray(called.tool_calls) ? (called.tool_calls[0] as { function?: { name?: unknown } } | undefined) : undefined;
    if (call?.function?.name !== "get_weather") return "the tool call check failed: the model answered without calling the get_weather tool";
    deps.log(`${ref} called the get_weather tool.`);
    return undefined;
  } finally {
    lease.release();
    if (lease.ownedByUs) await deps.daemons.stopDaemon(lease.baseUrl);
  }
}

const WEATHER_TOOL = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The current weather of a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

class Failure {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

type AnswerMessage = { content?: unknown; tool_calls?: unknown };

/** One non-streamed chat completion; thinking off, so a thinking model answers at once. */
async function check(target: ApiTarget, body: Record<string, unknown>, timeoutMs: number): Promise<AnswerMessage | Failure> {
  try {
    const json = await llmmanJson(target, "/v1/chat/completions", {
      body: { ...body, stream: false, chat_template_kwargs: { enable_thinking: false } },
      maxBytes: MAX_SHOW_BODY_BYTES,
    });
    const message = (json as { choices?: Array<{ message?: AnswerMessage }> })?.choices?.[0]?.message;
    return message ?? new Failure("llmman answered without a message");
  } catch (error) {
    if (error instanceof LlmmanApiError) {
      return new Failure(error.kind === "timeout" ? `no answer within ${timeoutMs / 1000} s` : (error.llmmanError ?? error.message));
    }
    throw error;
  }
}

/** llmman's /api/show has no tools capability (§5): the chat template says whether tools are rendered. */
async function rendersTools(target: ApiTarget, ref: string): Promise<boolean> {
  try {
    const shown = (await llmmanJson(target, "/api/show", { body: { model: ref }, maxBytes: MAX_SHOW_BODY_BYTES })) as { template?: unknown; capabilities?: unknown };
    const capabilities = Array.isArray(shown?.capabilities) ? shown.capabilities : [];
    return capabilities.includes("tools") || (typeof shown?.template === "string" && /\btools\b/.test(shown.template));
  } catch (error) {
    if (error instanceof LlmmanApiError) return false;
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
