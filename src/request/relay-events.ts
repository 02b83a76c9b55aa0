// Hands the host transport's events on as they come, turning a backend's in-band failures and
// streams cut short into errors OpenClaw acts on instead of answers.
import { printableLines } from "../cli/printable.ts";
import type { StreamEvent } from "../host-types.ts";
import type { EventChannel } from "./event-channel.ts";
import { failureFields, NOT_RETRIED, type AnswerTrack } from "./host-retry.ts";

/** What the host reports for a server's `finish_reason: "error"`. */
const HOST_ENGINE_ERROR = "Provider finish_reason: error";

/** How the backend that served a request explains its failures. */
export type ServedBy = {
  /** The message for a stream that broke off after `detail` (the host's words). */
  cutShort(detail: string): Promise<string>;
  /**
   * inferrs sends `Error: <msg>` as content in the chunk with finish_reason "error": the message for
   * `<msg>`. Without it, such content is an answer like any other.
   */
  engineError?(detail: string): string;
  /** A refusal before any answer, reworded to name the fix; the host's words when absent. */
  refused?(errorMessage: string): string;
};

export class StreamCutError extends Error {
  override name = "InferrsStreamCutError";
  /** Whether the host may retry it (see `AnswerTrack.failed`). */
  readonly retry: boolean;
  constructor(message: string, retry: boolean) {
    super(message);
    this.retry = retry;
  }
}

export async function relayEvents(source: AsyncIterable<StreamEvent>, out: EventChannel, server: ServedBy, track: AnswerTrack): Promise<void> {
  // Hold a delta that starts like an engine error until the next event shows whether it is an
  // answer or the error.
  let held: StreamEvent | undefined;
  let answering = false;
  let finished = false;
  for await (const event of source) {
    if (held && !isEngineError(event)) out.push(held);
    held = undefined;
    if (event.type === "done" || event.type === "error") finished = true;
    else answering = true; // `start` comes once the server accepted the request
    if (event.type === "done") track.completed();
    if (server.engineError && event.type === "text_delta" && event.delta.startsWith("Error: ")) {
      held = event;
      continue;
    }
    out.push(await explainFailure(event, server, answering, track));
  }
  if (held) out.push(held);
  if (!finished) {
    const retry = track.failed();
    throw new StreamCutError(await cutShort(server, "the stream ended without a final event", retry), retry);
  }
}

function isEngineError(event: StreamEvent): boolean {
  return event.type === "error" && event.error.errorMessage === HOST_ENGINE_ERROR;
}

/**
 * An engine failure carries the server's own words, keeping "finish_reason: error" so failover
 * still classifies it as a server error. A stream cut short names why. The failed message has no
 * content: a partial answer must not pass for an answer (`infer model run` would print it and exit 0).
 * A failed answer is a server error the host retries once, not when it repeats (`AnswerTrack`); a
 * refusal with a 5xx status (a model that fails to load) is one it does not retry.
 */
async function explainFailure(event: StreamEvent, server: ServedBy, answering: boolean, track: AnswerTrack): Promise<StreamEvent> {
  if (event.type !== "error" || event.reason !== "error") return event;
  const message = event.error;
  if (server.engineError && message.errorMessage === HOST_ENGINE_ERROR) {
    const retry = track.failed();
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    const detail = /Error: ([\s\S]*)$/.exec(text)?.[1]?.trim() ?? "unknown engine error";
    const errorMessage = server.engineError(printableLines(detail)) + (retry ? "" : NOT_RETRIED);
    return { ...event, error: { ...message, content: [], errorMessage, ...failureFields(retry) } };
  }
  if (!answering && message.content.length === 0) {
    // Refused before any answer: the host's words (with the server's, escaped), or the backend's with the fix.
    if (!message.errorMessage) return event;
    const errorMessage = printableLines(message.errorMessage);
    const fields = /^5\d\d\b/.test(errorMessage) ? failureFields(false) : {};
    return { ...event, error: { ...message, errorMessage: server.refused ? server.refused(errorMessage) : errorMessage, ...fields } };
  }
  const retry = track.failed();
  const detail = printableLines(message.errorMessage ?? "stream failed");
  return { ...event, error: { ...message, content: [], errorMessage: await cutShort(server, detail, retry), ...failureFields(retry) } };
}

async function cutShort(server: ServedBy, detail: string, retry: boolean): Promise<string> {
  return (await server.cutShort(detail)) + (retry ? "" : NOT_RETRIED);
}
