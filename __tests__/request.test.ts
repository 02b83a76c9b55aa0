import { resolveConfig } from "../src/config/resolve.ts";
import type { StreamEvent, StreamModel } from "../src/host-types.ts";
import { sanitizePayload } from "../src/request/sanitize-payload.ts";
import { createStreamWrapper } from "../src/inferrs/request/stream.ts";
import { Supervisor } from "../src/inferrs/pool/supervisor.ts";
import { collect, message, transport } from "./support/stream-rig.ts";

describe("payload hygiene", () => {
  test("OpenAI-only fields and stream_options never reach inferrs", () => {
    const payload = sanitizePayload(
      {
        model: "m",
        messages: [],
        store: false,
        service_tier: "auto",
        prompt_cache_key: "k",
        prompt_cache_retention: "24h",
        stream_options: { include_usage: true },
        temperature: 0.2,
      },
      { tools: true },
    );
    expect(payload).toEqual({ model: "m", messages: [], temperature: 0.2 });
  });

  test("text-only content arrays become strings, the developer role becomes system, images stay", () => {
    const image = [
      { type: "text", text: "what is this?" },
      { type: "image_url", image_url: { url: "data:image/png;base64,AA" } },
    ];
    const payload = sanitizePayload(
      {
        messages: [
          { role: "developer", content: [{ type: "text", text: "be brief" }] },
          { role: "user", content: [{ type: "text", text: "2 + " }, { type: "text", text: "2?" }] },
          { role: "user", content: image },
          { role: "assistant", content: null },
        ],
      },
      { tools: true },
    );
    expect(payload.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "2 + 2?" },
      { role: "user", content: image },
      { role: "assistant", content: null },
    ]);
  });

  test("thinking off (reasoning_effort none or null) sends no reasoning_effort; a level is kept", () => {
    expect(sanitizePayload({ messages: [], reasoning_effort: "none" }, { tools: true })).toEqual({ messages: [] });
    expect(sanitizePayload({ messages: [], reasoning_effort: null }, { tools: true })).toEqual({ messages: [] });
    expect(sanitizePayload({ messages: [], reasoning_effort: "high" }, { tools: true })).toEqual({
      messages: [],
      reasoning_effort: "high",
    });
  });

  test("models without native tool calls get no tool schemas", () => {
    const withTools = { messages: [], tools: [{ type: "function" }], tool_choice: "auto", parallel_tool_calls: true };
    expect(sanitizePayload({ ...withTools }, { tools: false })).toEqual({ messages: [] });
    expect(sanitizePayload({ ...withTools }, { tools: true })).toEqual(withTools);
  });
});

const model = {
  id: "google/gemma-4-E2B-it",
  provider: "inferrs",
  api: "openai-completions",
  compat: { supportsTools: false },
} as unknown as StreamModel;

/** The request path without a server: a supervisor whose acquire we count. */
function harness(events: StreamEvent[]) {
  const supervisor = new Supervisor({ env: {}, stateDir: "/nonexistent" });
  let leases = 0;
  let released = 0;
  supervisor.acquire = async () => {
    leases++;
    return { baseUrl: "http://127.0.0.1:9/v1", release: () => void released++, serverExit: async () => undefined };
  };
  const { streamFn, calls } = transport(events);
  const wrap = createStreamWrapper({
    supervisor,
    // Port 9 (discard): nothing answers there, as for a server that is gone.
    loadConfig: () => resolveConfig({ baseUrl: "http://127.0.0.1:9/v1" }),
    defaultStreamFn: async () => streamFn,
  })({ provider: "inferrs", modelId: model.id, model, streamFn } as never)!;
  return { wrap, calls, counts: () => ({ leases, released }) };
}

describe("request path", () => {
  test("other providers are left alone", () => {
    const wrapper = createStreamWrapper({
      supervisor: new Supervisor({ env: {}, stateDir: "/nonexistent" }),
      loadConfig: () => resolveConfig({}),
      defaultStreamFn: async () => transport([]).streamFn,
    });
    expect(wrapper({ provider: "openai", modelId: "gpt" } as never)).toBeUndefined();
  });

  test("holds one lease for the whole stream, sends the marker key and a clean payload", async () => {
    const done = message("4", "stop");
    const { wrap, calls, counts } = harness([
      { type: "start", partial: done } as StreamEvent,
      { type: "text_delta", contentIndex: 0, delta: "4" } as StreamEvent,
      { type: "done", reason: "stop", message: done } as StreamEvent,
    ]);
    const stream = await wrap(model, { messages: [] } as never, {});
    const events = await collect(stream);
    expect(events.map((event) => event.type)).toEqual(["start", "text_delta", "done"]);
    expect(await stream.result()).toBe(done);
    expect(counts()).toEqual({ leases: 1, released: 1 });
    expect(calls).toEqual([{ apiKey: "inferrs-local", payload: { messages: [{ role: "user", content: "hi" }] } }]);
  });

  test("an in-band engine error carries inferrs' own message, stays a server error and is not an answer", async () => {
    const failed = message("2 +Error: CUDA out of memory", "error", "Provider finish_reason: error");
    const { wrap } = harness([
      { type: "text_delta", contentIndex: 0, delta: "2 +" } as StreamEvent,
      { type: "text_delta", contentIndex: 0, delta: "Error: CUDA out of memory" } as StreamEvent,
      { type: "error", reason: "error", error: failed } as StreamEvent,
    ]);
    const stream = await wrap(model, { messages: [] } as never, {});
    const events = await collect(stream);
    expect(events.map((event) => (event.type === "text_delta" ? event.delta : event.type))).toEqual(["2 +", "error"]);
    const result = await stream.result();
    expect(result.errorMessage).toBe("inferrs engine error (finish_reason: error): CUDA out of memory");
    expect(result.content).toEqual([]);
  });

  test("terminal escapes in the server's error text reach the error message escaped, never raw", async () => {
    const failed = message("Error: \u001b]0;PWNED\u0007\u001b[2Jboom", "error", "Provider finish_reason: error");
    const { wrap } = harness([{ type: "error", reason: "error", error: failed } as StreamEvent]);
    const stream = await wrap(model, { messages: [] } as never, {});
    await collect(stream);
    expect((await stream.result()).errorMessage).toBe("inferrs engine error (finish_reason: error): \\x1b]0;PWNED\\x07\\x1b[2Jboom");

    const refused = message("", "error", "400 \u001b[31mbad request\u001b[0m");
    refused.content = [];
    const second = harness([{ type: "error", reason: "error", error: refused } as StreamEvent]);
    const next = await second.wrap(model, { messages: [] } as never, {});
    await collect(next);
    expect((await next.result()).errorMessage).toBe("400 \\x1b[31mbad request\\x1b[0m");
  });

  test("an answer that merely starts with 'Error: ' is passed on whole", async () => {
    const done = message("Error: is a word", "stop");
    const { wrap } = harness([
      { type: "text_delta", contentIndex: 0, delta: "Error: is" } as StreamEvent,
      { type: "text_delta", contentIndex: 0, delta: " a word" } as StreamEvent,
      { type: "done", reason: "stop", message: done } as StreamEvent,
    ]);
    const events = await collect(await wrap(model, { messages: [] } as never, {}));
    expect(events.map((event) => (event.type === "text_delta" ? event.delta : event.type))).toEqual([
      "Error: is",
      " a word",
      "done",
    ]);
  });

  test("a stream cut mid-answer from a server we did not start is an error naming the cause, without the partial answer (case 1)", async () => {
    const partial = message("one two", "error", "terminated");
    const { wrap } = harness([
      { type: "start", partial } as StreamEvent,
      { type: "text_delta", contentIndex: 0, delta: "one two" } as StreamEvent,
      { type: "error", reason: "error", error: partial } as StreamEvent,
    ]);
    const stream = await wrap(model, { messages: [] } as never, {});
    await collect(stream);
    const result = await stream.result();
    expect(result.stopReason).toBe("error");
    expect(result.content).toEqual([]);
    expect(result.errorMessage).toBe(
      "terminated — the answer from inferrs at http://127.0.0.1:9 was cut off: the server exited mid-answer (it no longer answers). " +
        "The partial answer was dropped; retry the request.",
    );
  });

  test("a stream that ends without a final event is an error, not an answer", async () => {
    const { wrap } = harness([
      { type: "start", partial: message("", "stop") } as StreamEvent,
      { type: "text_delta", contentIndex: 0, delta: "one two" } as StreamEvent,
    ]);
    const stream = await wrap(model, { messages: [] } as never, {});
    const events = await collect(stream);
    expect(events.at(-1)?.type).toBe("error");
    const result = await stream.result();
    expect(result.content).toEqual([]);
    expect(result.errorMessage).toMatch(/^the stream ended without a final event — the answer from inferrs at .* was cut off/);
  });

  test("an error before any answer keeps the host's own words", async () => {
    const refused = { ...message("", "error", "422 messages[0].role: unknown variant `developer`"), content: [] };
    const { wrap } = harness([{ type: "error", reason: "error", error: refused } as unknown as StreamEvent]);
    const stream = await wrap(model, { messages: [] } as never, {});
    await collect(stream);
    expect((await stream.result()).errorMessage).toBe("422 messages[0].role: unknown variant `developer`");
  });

  test("a failed start ends the stream with the supervisor's message, never a throw", async () => {
    const { wrap } = harness([]);
    const supervisorError = new Error("inferrs is not running at http://127.0.0.1:8080 (connection refused)");
    const wrapper = createStreamWrapper({
      supervisor: Object.assign(new Supervisor({ env: {}, stateDir: "/x" }), {
        acquire: async () => {
          throw supervisorError;
        },
      }),
      loadConfig: () => resolveConfig({}),
      defaultStreamFn: async () => transport([]).streamFn,
    })({ provider: "inferrs", modelId: model.id } as never)!;
    void wrap;
    const stream = await wrapper(model, { messages: [] } as never, {});
    const events = await collect(stream);
    expect(events).toHaveLength(1);
    expect((await stream.result()).errorMessage).toBe(supervisorError.message);
  });
});
