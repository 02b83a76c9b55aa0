// A push-based assistant event stream (the host's AssistantMessageEventStream contract): events are
// handed on as they come, `result()` settles with the terminal event's message.
import type { AssistantMessage, EventStream, StreamEvent } from "../host-types.ts";

export class EventChannel implements EventStream {
  private readonly queue: StreamEvent[] = [];
  private waiting: ((result: IteratorResult<StreamEvent>) => void) | undefined;
  private closed = false;
  private settle!: (message: AssistantMessage) => void;
  private fail!: (error: Error) => void;
  private readonly final: Promise<AssistantMessage>;

  constructor() {
    this.final = new Promise((resolve, reject) => {
      this.settle = resolve;
      this.fail = reject;
    });
    this.final.catch(() => undefined); // result() may never be asked for
  }

  push(event: StreamEvent): void {
    if (this.closed) return;
    if (event.type === "done") this.settle(event.message);
    if (event.type === "error") this.settle(event.error);
    const terminal = event.type === "done" || event.type === "error";
    if (this.waiting) {
      const deliver = this.waiting;
      this.waiting = undefined;
      deliver({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
    if (terminal) this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error("inferrs stream ended without a final message"));
    if (this.waiting && this.queue.length === 0) this.waiting({ value: undefined, done: true });
  }

  result(): Promise<AssistantMessage> {
    return this.final;
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return {
      next: () => {
        const event = this.queue.shift();
        if (event) return Promise.resolve({ value: event, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}
