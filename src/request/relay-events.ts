// Hands the host transport's events on as they come, turning inferrs' in-band failures and
// streams cut short into errors OpenClaw acts on instead of answers.
import { printableLines } from "../cli/printable.ts";
import type { StreamEvent } from "../host-types.ts";
import { probeHealth } from "../inferrs/server/probe.ts";
import type { Lease } from "../inferrs/pool/supervisor.ts";
import type { EventChannel } from "./event-channel.ts";

/** What the host reports for inferrs' `finish_reason: "error"`. */
const HOST_ENGINE_ERROR = "Provider finish_reason: error";
const GONE_PROBE_MS = 500;

/** The server a request went to (its lease). */
type ServedBy = Pick<Lease, "baseUrl" | "serverExit">;

export class StreamCutError extends Error {
  override name = "InferrsStreamCutError";
}

export async function relayEvents(
  source: AsyncIterable<StreamEvent>,
  out: EventChannel,
  server: ServedBy,
): Promise<void> {
  // inferrs sends `Error: <msg>` as content in the same chunk as finish_reason "error": hold a
  // delta that starts like that until the next event shows whether it is an answer or the error.
  let held: StreamEvent | undefined;
  let answering = false;
  let finished = false;
  for await (const event of source) {
    if (held && !isEngineError(event)) out.push(held);
    held = undefined;
    if (event.type === "done" || event.type === "error") finished = true;
    else answering = true; // `start` comes once the server accepted the request
    if (event.type === "text_delta" && event.delta.startsWith("Error: ")) {
      held = event;
      continue;
    }
    out.push(await explainFailure(event, server, answering));
  }
  if (held) out.push(held);
  if (!finished) throw new StreamCutError(await cutShort("the stream ended without a final event", server));
}

function isEngineError(event: StreamEvent): boolean {
  return event.type === "error" && event.error.errorMessage === HOST_ENGINE_ERROR;
}

/**
 * An engine failure carries inferrs' own words, keeping "finish_reason: error" so failover still
 * classifies it as a server error. A stream cut short names why: our server died, or the connection
 * closed mid-answer (whoever runs the server). The failed message has no content: a partial answer
 * must not pass for an answer (`infer model run` would print it and exit 0).
 */
async function explainFailure(
  event: StreamEvent,
  server: ServedBy,
  answering: boolean,
): Promise<StreamEvent> {
  if (event.type !== "error" || event.reason !== "error") return event;
  const message = event.error;
  if (message.errorMessage === HOST_ENGINE_ERROR) {
    const text = message.content.map((part) => (part.type === "text" ? part.text : "")).join("");
    const detail = /Error: ([\s\S]*)$/.exec(text)?.[1]?.trim() ?? "unknown engine error";
    return {
      ...event,
      error: { ...message, content: [], errorMessage: `inferrs engine error (finish_reason: error): ${printableLines(detail)}` },
    };
  }
  // Refused before any answer: the host's words say it (with the server's, escaped).
  if (!answering && message.content.length === 0) {
    return message.errorMessage ? { ...event, error: { ...message, errorMessage: printableLines(message.errorMessage) } } : event;
  }
  const detail = printableLines(message.errorMessage ?? "stream failed");
  return { ...event, error: { ...message, content: [], errorMessage: await cutShort(detail, server) } };
}

async function cutShort(detail: string, server: ServedBy): Promise<string> {
  const crash = await server.serverExit();
  if (crash) return `${detail} — inferrs exited mid-stream (${crash}); the next request starts it again.`;
  const origin = new URL(server.baseUrl).origin;
  const gone = (await probeHealth(origin, GONE_PROBE_MS)).kind === "down";
  return (
    `${detail} — the answer from inferrs at ${origin} was cut off: ` +
    (gone ? "the server exited mid-answer (it no longer answers)" : "the connection closed mid-answer") +
    ". The partial answer was dropped; retry the request."
  );
}
