// Hands the host transport's events on as they come, turning a backend's in-band failures and
// streams cut short into errors OpenClaw acts on instead of answers.
import { printableLines } from "../cli/printable.ts";
import type { StreamEvent } from "../host-types.ts";
import type { EventChannel } from "./event-channel.ts";

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
}

export async function relayEvents(source: AsyncIterable<StreamEvent>, out: EventChannel, server: ServedBy): Promise<void> {
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
    if (server.engineError && event.type === "text_delta" && event.delta.startsWith("Error: ")) {
      held = event;
      continue;
    }
    out.push(await explainFailure(event, server, answering));
  }
  if (held) out.push(held);
  if (!finished) throw new StreamCutError(await server.cutShort("the stream ended without a final event"));
}

function isEngineError(event: StreamEvent): boolean {
  return event.type === "error" && event.error.errorMessage === HOST_ENGINE_ERROR;
}

/**
 * An engine failure carries the server's own words, keeping "finish_reason: error" so failover
 * still classifies it as a server error. A stream cut short names why. The failed message has no
 * content: a partial answer must not pass for an answer (`infer model run` would print it and exit 0).
 */
async function explainFailure(event: StreamEvent, server: ServedBy, answering: boolean): Promise<StreamEvent> {
  if (event.type !== "error" || event.reason !== "error") return event;
  const message = event.error;
  if (server.engineError && message.errorMessage === HOST_ENGINE_ERROR) {
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    const detail = /Error: ([\s\S]*)$/.exec(text)?.[1]?.trim() ?? "unknown engine error";
    return { ...event, error: { ...message, content: [], errorMessage: server.engineError(printableLines(detail)) } };
  }
  if (!answering && message.content.length === 0) {
    // Refused before any answer: the host's words (with the server's, escaped), or the backend's with the fix.
    if (!message.errorMessage) return event;
    const errorMessage = printableLines(message.errorMessage);
    return { ...event, error: { ...message, errorMessage: server.refused ? server.refused(errorMessage) : errorMessage } };
  }
  const detail = printableLines(message.errorMessage ?? "stream failed");
  return { ...event, error: { ...message, content: [], errorMessage: await server.cutShort(detail) } };
}
