// A host transport stand-in for the request path's tests: it replays events, as OpenClaw's
// transport yields them, and records what it was called with.
import type { AssistantMessage, StreamEvent, StreamFn } from "../../src/host-types.ts";
import { EventChannel } from "../../src/request/event-channel.ts";

export function message(text: string, stopReason: string, errorMessage?: string): AssistantMessage {
  return {
    role: "assistant",
    content: [{ type: "text", text }],
    stopReason,
    ...(errorMessage ? { errorMessage } : {}),
  } as unknown as AssistantMessage;
}

/** A host transport stand-in: replays events and records what it was called with. */
export function transport(events: StreamEvent[]) {
  const calls: Array<{ payload: unknown; apiKey: unknown }> = [];
  const streamFn = (async (_model, _context, options) => {
    const payload = await options?.onPayload?.(
      { messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], tools: [{}], store: false },
      _model,
    );
    calls.push({ payload, apiKey: options?.apiKey });
    const channel = new EventChannel();
    for (const event of events) channel.push(event);
    channel.end(); // the connection is over, whether or not a final event came
    return channel;
  }) as StreamFn;
  return { streamFn, calls };
}

export async function collect(stream: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

/** What the transport yields for an answer cut mid-stream (a crash, a closed connection). */
export function cutAnswer(): StreamEvent[] {
  const partial = message("one two", "error", "terminated");
  return [
    { type: "start", partial } as StreamEvent,
    { type: "text_delta", contentIndex: 0, delta: "one two" } as StreamEvent,
    { type: "error", reason: "error", error: partial } as StreamEvent,
  ];
}

/** What the transport yields for a whole answer. */
export function wholeAnswer(): StreamEvent[] {
  const done = message("4", "stop");
  return [{ type: "start", partial: done } as StreamEvent, { type: "done", reason: "stop", message: done } as StreamEvent];
}

/** What the transport yields for a refusal before any answer (`<status> <body>`). */
export function refusal(errorMessage: string): StreamEvent[] {
  return [{ type: "error", reason: "error", error: { ...message("", "error", errorMessage), content: [] } } as StreamEvent];
}
