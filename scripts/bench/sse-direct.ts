// The floor: the same chat completion read straight off the socket with undici and parsed with
// eventsource-parser, no OpenClaw and no plugin in between.
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { request } from "undici";

export type DirectRun = {
  /** ms from the call to the first content delta. */
  ttftMs: number;
  /** performance.now() of every content delta. */
  tokenTimes: number[];
  text: string;
};

export async function streamDirect(baseUrl: string, model: string, prompt: string): Promise<DirectRun> {
  const started = performance.now();
  const tokenTimes: number[] = [];
  let text = "";
  let finished = false;
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      if (event.data === "[DONE]") {
        finished = true;
        return;
      }
      const chunk = JSON.parse(event.data) as { choices?: Array<{ delta?: { content?: string } }> };
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) {
        tokenTimes.push(performance.now());
        text += content;
      }
    },
  });
  const response = await request(`${baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer inferrs-local" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: prompt }], stream: true }),
  });
  if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${await response.body.text()}`);
  const decoder = new TextDecoder();
  for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
  if (!finished) throw new Error("stream ended without [DONE]");
  if (tokenTimes.length === 0) throw new Error("no content delta");
  return { ttftMs: tokenTimes[0]! - started, tokenTimes, text };
}
