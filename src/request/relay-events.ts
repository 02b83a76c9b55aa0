// Hands the host transport's events on as they come, turning inferrs' in-band failures into
// errors OpenClaw acts on instead of answers.
import type { StreamEvent } from "../host-types.ts";
import type { EventChannel } from "./event-channel.ts";

/** What the host reports for inferrs' `finish_reason: "error"`. */
const HOST_ENGINE_ERROR = "Provider finish_reason: error";

/** How the server that served the request ended, if it died on its own (see Lease.serverExit). */
type ServerExit = () => Promise<string | undefined>;

export async function relayEvents(source: AsyncIterable<StreamEvent>, out: EventChannel, serverExit: ServerExit): Promise<void> {
  // inferrs sends `Error: <msg>` as content in the same chunk as finish_reason "error": hold a
  // delta that starts like that until the next event shows whether it is an answer or the error.
  let held: StreamEvent | undefined;
  for await (const event of source) {
    if (held && !isEngineError(event)) out.push(held);
    held = undefined;
    if (event.type === "text_delta" && event.delta.startsWith("Error: ")) {
      held = event;
      continue;
    }
    out.push(await explainFailure(event, serverExit));
  }
  if (held) out.push(held);
}

function isEngineError(event: StreamEvent): boolean {
  return event.type === "error" && event.error.errorMessage === HOST_ENGINE_ERROR;
}

/**
 * An engine failure carries inferrs' own words, keeping "finish_reason: error" so failover still
 * classifies it as a server error; a server that died mid-stream is named as such. The failed
 * message has no content: a partial answer must not pass for an answer (`infer model run` would
 * print it and exit 0).
 */
async function explainFailure(event: StreamEvent, serverExit: ServerExit): Promise<StreamEvent> {
  if (event.type !== "error" || event.reason !== "error") return event;
  const message = event.error;
  if (message.errorMessage === HOST_ENGINE_ERROR) {
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    const detail = /Error: ([\s\S]*)$/.exec(text)?.[1]?.trim() ?? "unknown engine error";
    return {
      ...event,
      error: { ...message, content: [], errorMessage: `inferrs engine error (finish_reason: error): ${detail}` },
    };
  }
  const crash = await serverExit();
  if (!crash) return event;
  return {
    ...event,
    error: {
      ...message,
      content: [],
      errorMessage: `${message.errorMessage ?? "stream failed"} — inferrs exited mid-stream (${crash}); the next request starts it again.`,
    },
  };
}
