// The onboarding auth method (`openclaw onboard --auth-choice inferrs`, `models auth login`) called
// as the host calls it, against the emulator or nothing, with a throw-away Hugging Face cache.
import type { OpenClawConfig, ProviderAuthContext } from "../src/host-types.ts";
import { nonInteractive as onboardingContext } from "./support/onboarding-context.ts";
import { createOnboardingAuthMethod } from "../src/inferrs/onboarding/auth-method.ts";
import { createServer } from "node:http";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { resolveConfig } from "../src/config/resolve.ts";
import { describeSurvey, proposedModel, SHOWN_MODELS, type Survey } from "../src/inferrs/onboarding/survey.ts";
import { freePort, makeHfHome, makeTempDir, removeTempDirs, startEmulator, stopAllEmulators } from "./support/emulator.ts";

afterEach(stopAllEmulators);
afterAll(removeTempDirs);

const nonInteractive = (config: OpenClawConfig, opts: Record<string, unknown>) => onboardingContext("inferrs", config, opts);

test("with inferrs down, the first cached model becomes the default; the plugin config and fallbacks are kept", async () => {
  const env = { HF_HOME: makeHfHome(["google/gemma-4-E2B-it", "Qwen/Qwen3-0.6B"]) };
  const port = await freePort();
  const config = {
    plugins: { entries: { inferrs: { enabled: true, config: { service: { idleStopMs: 1000 } } } } },
    agents: { defaults: { model: { primary: "other/model", fallbacks: ["other/fallback"] } } },
  } as OpenClawConfig;
  const { ctx, said } = nonInteractive(config, { inferrsBaseUrl: `http://127.0.0.1:${port}/v1/` });
  const next = await createOnboardingAuthMethod(env).runNonInteractive!(ctx);
  expect(next?.plugins?.entries?.inferrs).toEqual({
    enabled: true,
    config: { service: { idleStopMs: 1000 }, baseUrl: `http://127.0.0.1:${port}/v1` },
  });
  expect(next?.agents?.defaults?.model).toEqual({ primary: "inferrs/Qwen/Qwen3-0.6B", fallbacks: ["other/fallback"] });
  expect(said.log[0]).toBe(
    `No inferrs answers: cannot reach inferrs at http://127.0.0.1:${port}/v1/models (connection refused). ` +
      "OpenClaw starts it on demand for the selected model.",
  );
  expect(said.exit).toEqual([]);
});

test("a bad --inferrs-base-url is refused with the reason and an example, and nothing is returned", async () => {
  const { ctx, said } = nonInteractive({}, { inferrsBaseUrl: "ftp://127.0.0.1/v1" });
  expect(await createOnboardingAuthMethod({ HF_HOME: makeTempDir() }).runNonInteractive!(ctx)).toBeNull();
  expect(said.error).toEqual([
    '--inferrs-base-url: plugins.entries.inferrs.config.baseUrl is "ftp://127.0.0.1/v1": only http:// and https:// are allowed, e.g. http://127.0.0.1:8080/v1.',
  ]);
  expect(said.exit).toEqual([1]);
});

test("a --inferrs-base-url refused for its query is refused without echoing the query", async () => {
  const { ctx, said } = nonInteractive({}, { inferrsBaseUrl: "http://127.0.0.1:8080/v1?k=Passw0rdSecretZ" });
  expect(await createOnboardingAuthMethod({ HF_HOME: makeTempDir() }).runNonInteractive!(ctx)).toBeNull();
  expect(said.error).toEqual([
    '--inferrs-base-url: plugins.entries.inferrs.config.baseUrl is "http://127.0.0.1:8080/v1?<redacted>": remove the query or fragment.',
  ]);
  expect(said.exit).toEqual([1]);
});

test("interactive: asks for the URL, shows the server and its models, proposes the served model and returns it", async () => {
  // Served: google/gemma-4-E2B-it, although Qwen comes first in the list.
  const hfHome = makeHfHome(["google/gemma-4-E2B-it", "Qwen/Qwen3.5-0.8B"]);
  const server = await startEmulator({ model: "google/gemma-4-E2B-it", hfHome });
  await server.waitForHealth(200);
  const baseUrl = `${server.baseUrl}/v1`;
  const asked: Record<string, unknown> = {};
  const prompter = {
    text: async (params: { initialValue?: string; validate?: (value: string) => string | undefined }) => {
      asked.initialUrl = params.initialValue;
      asked.badUrl = params.validate?.("not a url");
      return baseUrl;
    },
    progress: () => ({ update: () => {}, stop: () => {} }),
    note: async (message: string) => void (asked.note = message),
    select: async (params: { options: Array<{ value: string; hint?: string }>; initialValue?: string }) => {
      asked.options = params.options;
      return params.initialValue;
    },
  };
  const ctx = { config: {}, prompter, env: { HF_HOME: hfHome } } as unknown as ProviderAuthContext;
  const result = await createOnboardingAuthMethod().run(ctx);
  expect(asked.initialUrl).toBe("http://127.0.0.1:8080/v1");
  expect(asked.badUrl).toContain("which is not a base URL");
  expect(asked.note).toBe(
    `inferrs at ${baseUrl} is up and serves google/gemma-4-E2B-it.\nModels listed: Qwen/Qwen3.5-0.8B, google/gemma-4-E2B-it.`,
  );
  expect(asked.options).toEqual([
    { value: "Qwen/Qwen3.5-0.8B", label: "Qwen/Qwen3.5-0.8B" },
    { value: "google/gemma-4-E2B-it", label: "google/gemma-4-E2B-it", hint: "served now" },
  ]);
  expect(result).toMatchObject({
    profiles: [],
    defaultModel: "inferrs/google/gemma-4-E2B-it",
    configPatch: { plugins: { entries: { inferrs: { enabled: true, config: { baseUrl } } } } },
  });
});

test("interactive: with no model anywhere, says how to get one", async () => {
  const port = await freePort();
  const prompter = {
    text: async () => `http://127.0.0.1:${port}/v1`,
    progress: () => ({ update: () => {}, stop: () => {} }),
    note: async () => {},
    select: async () => undefined,
  };
  const ctx = { config: {}, prompter, env: { HF_HOME: makeTempDir() } } as unknown as ProviderAuthContext;
  await expect(createOnboardingAuthMethod().run(ctx)).rejects.toThrow(
    /^No inferrs model to use: inferrs is not running at http:\/\/127\.0\.0\.1:\d+\/v1 and the Hugging Face cache .* is empty\. Download one with `inferrs pull <org\/model>`/,
  );
});

test("the proposed default is the served model, else the first that is not an embedding model", () => {
  const survey = (served: string | undefined, modelIds: string[]) =>
    ({ config: undefined as never, reachable: true, failure: undefined, served, modelIds }) satisfies Survey;
  const embedding = "Qwen/Qwen3-Embedding-0.6B";
  expect(proposedModel(survey(undefined, [embedding, "google/gemma-4-E2B-it"]))).toBe("google/gemma-4-E2B-it");
  expect(proposedModel(survey("google/gemma-4-E2B-it", ["Qwen/Qwen3-0.6B", "google/gemma-4-E2B-it"]))).toBe("google/gemma-4-E2B-it");
  expect(proposedModel(survey(undefined, [embedding]))).toBe(embedding);
  expect(proposedModel(survey(undefined, []))).toBeUndefined();
});

function surveyOf(modelIds: string[], served?: string): Survey {
  return {
    config: resolveConfig({}),
    reachable: true,
    failure: undefined,
    served,
    modelIds,
  };
}

test("a server listing 100,000 models: onboarding names the first few and counts the rest", async () => {
  const ids = Array.from({ length: 100_000 }, (_, i) => `org/model-${i}`);
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ object: "list", data: ids.map((id) => ({ id, object: "model", owned_by: "inferrs" })) }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const { port } = server.address() as AddressInfo;
    const { ctx, said } = nonInteractive({}, { inferrsBaseUrl: `http://127.0.0.1:${port}/v1` });
    await createOnboardingAuthMethod({ HF_HOME: makeTempDir() }).runNonInteractive!(ctx);
    const models = said.log.find((line) => line.startsWith("Models listed:"))!;
    expect(models).toBe(`Models listed: ${ids.slice(0, SHOWN_MODELS).join(", ")} and ${5000 - SHOWN_MODELS} more.`);
    expect(Math.max(...said.log.map((line) => line.length))).toBeLessThan(1000);
  } finally {
    server.close();
  }
});

test("a served model id with terminal escapes is never printed raw nor offered by onboarding", async () => {
  const evil = "evil/\u001b]0;PWNED-TITLE\u0007\u001b[2J\u001b[31mRED-MODEL\u001b[0m";
  const server = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    const data = [
      { id: evil, object: "model", owned_by: "inferrs (loaded)" },
      { id: "google/gemma-4-E2B-it", object: "model", owned_by: "inferrs" },
    ];
    response.end(JSON.stringify({ object: "list", data }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  try {
    const { port } = server.address() as AddressInfo;
    const { ctx, said } = nonInteractive({}, { inferrsBaseUrl: `http://127.0.0.1:${port}/v1` });
    const next = await createOnboardingAuthMethod({ HF_HOME: makeTempDir() }).runNonInteractive!(ctx);
    expect(said.log.join("\n")).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(said.log).toContain(`inferrs at http://127.0.0.1:${port}/v1 is up.`);
    expect(next?.agents?.defaults?.model).toEqual({ primary: "inferrs/google/gemma-4-E2B-it" });
  } finally {
    server.close();
  }
  // Wherever an id with escapes is shown, it is shown escaped.
  expect(describeSurvey(surveyOf(["a/b"], evil))[0]).toContain("serves evil/\\x1b]0;PWNED-TITLE\\x07\\x1b[2J\\x1b[31mRED-MODEL\\x1b[0m.");
});
