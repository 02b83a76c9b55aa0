// Failed requests as OpenClaw must see them, for both backends: a server error (errorCode, which
// the providers classify as "server_error", so a gateway run fails instead of reporting an empty
// answer as done), not retried when it failed before the answer (a Retry-After past the host's
// 90 s retry window), retried once when the answer failed, and not again when it fails twice in a row.
import { resolveConfig } from "../src/config/resolve.ts";
import type { AssistantMessage, StreamEvent, StreamModel, WrapStreamFn } from "../src/host-types.ts";
import { createProvider } from "../src/inferrs/provider.ts";
import { Supervisor } from "../src/inferrs/pool/supervisor.ts";
import { createStreamWrapper } from "../src/inferrs/request/stream.ts";
import { InferrsServiceError } from "../src/inferrs/server/errors.ts";
import { createLlmmanProvider } from "../src/llmman/provider.ts";
import { createLlmmanStreamWrapper } from "../src/llmman/request/stream.ts";
import { SERVER_FAILURE_CODE } from "../src/request/host-retry.ts";
import { collect, cutAnswer, message, refusal, transport, wholeAnswer } from "./support/stream-rig.ts";

const GEMMA = "google/gemma-4-E2B-it";
const QWEN = "qwen3.5:0.8b";
const NOT_RETRIED = "(the previous answer of this model failed too, so OpenClaw does not retry it again)";

/** The Retry-After (seconds) the host reads from a failed message's errorBody, if any. */
function retryAfter(result: AssistantMessage): number | undefined {
  const body = (result as { errorBody?: string }).errorBody;
  return body ? Number((JSON.parse(body) as { headers: Record<string, string> }).headers["retry-after"]) : undefined;
}

/** One request through a wrapper whose transport yields `events`; the message the host gets. */
async function request(wrapper: WrapStreamFn, provider: string, id: string, events: StreamEvent[]): Promise<AssistantMessage> {
  const model = { id, provider, api: "openai-completions", baseUrl: "http://127.0.0.1:9/v1", compat: {} } as unknown as StreamModel;
  const wrap = wrapper({ provider, modelId: id, model, streamFn: transport(events).streamFn } as never)!;
  const stream = await wrap(model, { messages: [] } as never, {});
  await collect(stream);
  return stream.result();
}

/** The inferrs request path over one pool whose server (port 9: nothing answers) is always ready. */
function inferrsPath(supervisor = new Supervisor({ env: {}, stateDir: "/nonexistent" })) {
  supervisor.acquire = async () => ({ baseUrl: "http://127.0.0.1:9/v1", release: () => undefined, serverExit: async () => undefined });
  const wrapper = createStreamWrapper({
    supervisor,
    loadConfig: () => resolveConfig({ baseUrl: "http://127.0.0.1:9/v1" }),
    defaultStreamFn: async () => transport([]).streamFn,
  });
  return (events: StreamEvent[], id = GEMMA) => request(wrapper, "inferrs", id, events);
}

/** The llmman request path, with the daemon held by OpenClaw's own localService (no lease of ours). */
function llmmanPath() {
  const wrapper = createLlmmanStreamWrapper({
    daemons: { acquire: async () => Promise.reject(new Error("not used")) },
    loadConfig: async () => ({ ...resolveConfig({}).llmman, hostManaged: true }),
    defaultStreamFn: async () => transport([]).streamFn,
    logger: { info: () => undefined },
    env: {},
  });
  return (events: StreamEvent[], id = QWEN) => request(wrapper, "llmman", id, events);
}

describe("failures before the answer", () => {
  test("a failed start or load, or a bad config, is a server error the host does not retry, in the plugin's words", async () => {
    for (const error of [
      new InferrsServiceError(`inferrs could not load ${GEMMA}: Model load failed: mamba`),
      new Error("plugins.entries.inferrs.config.port: must be a number"),
    ]) {
      const supervisor = Object.assign(new Supervisor({ env: {}, stateDir: "/x" }), { acquire: async () => Promise.reject(error) });
      const wrapper = createStreamWrapper({ supervisor, loadConfig: () => resolveConfig({}), defaultStreamFn: async () => transport([]).streamFn });
      const result = await request(wrapper, "inferrs", GEMMA, []);
      expect(result.errorMessage).toBe(error.message);
      expect(result.errorCode).toBe(SERVER_FAILURE_CODE);
      expect(retryAfter(result)).toBeGreaterThan(90);
    }
  });

  test("a server's 5xx refusal is a server error not retried; a 4xx one stays the host's to judge", async () => {
    const inferrs = inferrsPath();
    const refused = await inferrs(refusal("500 model failed to load"));
    expect(refused).toMatchObject({ errorMessage: "500 model failed to load", errorCode: SERVER_FAILURE_CODE });
    expect(retryAfter(refused)).toBeGreaterThan(90);
    const invalid = await inferrs(refusal("422 messages[0].role: unknown variant `developer`"));
    expect(invalid.errorCode).toBeUndefined();
    expect(retryAfter(invalid)).toBeUndefined();
  });

  test("llmman: a model that fails to load is a server error not retried, in llmman's words with the model", async () => {
    const result = await llmmanPath()(refusal('500 "inference server on port 41000 exited before becoming ready: out of memory"'));
    expect(result).toMatchObject({
      errorMessage: `llmman could not load ${QWEN}: inference server on port 41000 exited before becoming ready: out of memory`,
      errorCode: SERVER_FAILURE_CODE,
    });
    expect(retryAfter(result)).toBeGreaterThan(90);
    expect((await llmmanPath()(refusal('400 "context overflow"'))).errorCode).toBeUndefined();
  });
});

describe("failures during the answer", () => {
  test("inferrs: a failed answer is retried by the host once; the same model failing again is not, until an answer completes", async () => {
    const inferrs = inferrsPath();
    const first = await inferrs(cutAnswer());
    expect(first.errorCode).toBe(SERVER_FAILURE_CODE);
    expect(retryAfter(first)).toBeUndefined();
    expect(first.errorMessage).not.toContain(NOT_RETRIED);
    expect(retryAfter(await inferrs(cutAnswer(), "other/model"))).toBeUndefined(); // per model

    const second = await inferrs(cutAnswer());
    expect(retryAfter(second)).toBeGreaterThan(90);
    expect(second.errorMessage).toMatch(/was cut off: .*; retry the request\. \(the previous answer of this model failed too, so OpenClaw does not retry it again\)$/);

    expect((await inferrs(wholeAnswer())).stopReason).toBe("stop");
    expect(retryAfter(await inferrs(cutAnswer()))).toBeUndefined();
    expect(retryAfter(await inferrsPath()(cutAnswer()))).toBeUndefined(); // per pool
  });

  test("inferrs: an engine error and a stream with no final event are failed answers too", async () => {
    const inferrs = inferrsPath();
    const failed = message("Error: CUDA out of memory", "error", "Provider finish_reason: error");
    const engine = await inferrs([{ type: "error", reason: "error", error: failed } as StreamEvent]);
    expect(engine).toMatchObject({ errorMessage: "inferrs engine error (finish_reason: error): CUDA out of memory", errorCode: SERVER_FAILURE_CODE });
    expect(retryAfter(engine)).toBeUndefined();
    const unfinished = await inferrs(cutAnswer().slice(0, 2));
    expect(unfinished.errorMessage).toMatch(/^the stream ended without a final event — .* \(the previous answer of this model failed too/);
    expect(unfinished.errorCode).toBe(SERVER_FAILURE_CODE);
    expect(retryAfter(unfinished)).toBeGreaterThan(90);
  });

  test("llmman: a daemon that dies mid-answer is retried once, not when the model's next answer fails too", async () => {
    const llmman = llmmanPath();
    const first = await llmman(cutAnswer());
    expect(first.errorMessage).toMatch(/^terminated — the answer from llmman at http:\/\/127\.0\.0\.1:9 was cut off/);
    expect(first.errorCode).toBe(SERVER_FAILURE_CODE);
    expect(retryAfter(first)).toBeUndefined();
    const second = await llmman(cutAnswer());
    expect(second.errorMessage).toContain(NOT_RETRIED);
    expect(retryAfter(second)).toBeGreaterThan(90);
  });
});

test("both providers classify the plugin's failures as server errors and leave the rest to the host", () => {
  const logger = { info: () => undefined, warn: () => undefined };
  const providers = [
    createProvider({ pluginConfig: {}, supervisor: new Supervisor({ env: {}, stateDir: "/x" }), logger }),
    createLlmmanProvider({ pluginConfig: {}, daemons: { acquire: async () => Promise.reject(new Error("not used")), stopDaemon: async () => false }, logger }),
  ];
  for (const provider of providers) {
    expect(provider.classifyFailoverReason?.({ errorMessage: "exited mid-stream", code: SERVER_FAILURE_CODE } as never)).toBe("server_error");
    expect(provider.classifyFailoverReason?.({ errorMessage: "422 unknown variant" } as never)).toBeUndefined();
  }
});
