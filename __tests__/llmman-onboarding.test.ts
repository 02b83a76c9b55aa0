// llmman onboarding (`openclaw onboard --auth-choice llmman`, `models auth login --provider llmman`)
// called as the host calls it, against the llmman emulator: a daemon the user runs, or one the
// plugin starts on demand (tools/bin/llmman) and stops again.
import { join } from "node:path";
import { seedLlmmanStore } from "../tools/emulator/llmman/store.ts";
import { llmmanBin, startLlmmanEmulator, stopAllLlmmanEmulators, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";
import type { OpenClawConfig, ProviderAuthContext } from "../src/host-types.ts";
import { nonInteractive as onboardingContext } from "./support/onboarding-context.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { createLlmmanAuthMethod } from "../src/llmman/onboarding/auth-method.ts";
import { isAlive } from "../src/service/pid-record.ts";
import { freePort, makeTempDir, removeTempDirs } from "./support/emulator.ts";

const supervisors: LlmmanDaemons[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((daemons) => daemons.stop()));
  await stopAllLlmmanEmulators();
});
afterAll(removeTempDirs);

function onboarding() {
  const daemons = new LlmmanDaemons({ env: process.env, stateDir: makeTempDir("llmman-onb-state-") });
  supervisors.push(daemons);
  return { daemons, method: createLlmmanAuthMethod({ daemons, env: {}, checkTimeoutMs: 60_000 }) };
}

const nonInteractive = (config: OpenClawConfig, opts: Record<string, unknown>) => onboardingContext("llmman", config, opts);

const withLlmman = (llmman: Record<string, unknown>, rest: Record<string, unknown> = {}) =>
  ({ plugins: { entries: { inferrs: { enabled: true, config: { ...rest, llmman } } } } }) as OpenClawConfig;

test("a daemon the user runs with an empty store: --llmman-model is pulled with progress, answers, calls a tool, and becomes the default; the daemon keeps running", async () => {
  const user = await startLlmmanEmulator({ models: [], env: { LLMMAN_EMU_PULL_BYTES_PER_S: "150000000" } });
  const { method } = onboarding();
  const config = { ...withLlmman({}, { baseUrl: "http://127.0.0.1:8080/v1" }), agents: { defaults: { model: { primary: "x/y", fallbacks: ["x/z"] } } } } as OpenClawConfig;
  const { ctx, said } = nonInteractive(config, { llmmanBaseUrl: `${user.baseUrl}/v1/`, llmmanModel: "qwen3.5:0.8b" });
  const next = await method.runNonInteractive!(ctx);
  expect(said.error).toEqual([]);
  expect(next?.plugins?.entries?.inferrs?.config).toEqual({ baseUrl: "http://127.0.0.1:8080/v1", llmman: { baseUrl: `${user.baseUrl}/v1` } });
  expect(next?.agents?.defaults?.model).toEqual({ primary: "llmman/docker.io/ai/qwen3.5:0.8b", fallbacks: ["x/z"] });
  const log = said.log.join("\n");
  expect(log).toMatch(/llmman 0\.1\.334.* is up at/);
  expect(log).toMatch(/llmman: pulling docker\.io\/ai\/qwen3\.5:0\.8b: \d+% \([\d.]+ MB of 532\.5 MB, [\d.]+ MB\/s\)/);
  expect(log).toMatch(/docker\.io\/ai\/qwen3\.5:0\.8b answered: "2 \+ 2 = 4\."/);
  expect(log).toMatch(/called the get_weather tool/);
  const chats = user.requests().filter((entry) => entry.event === "request" && entry.path === "/v1/chat/completions");
  expect(chats.map((chat) => Boolean(chat.body.tools))).toEqual([false, true]);
  expect(chats[0]!.headers.authorization).toBe("Bearer llmman");
  expect(isAlive(user.pid)).toBe(true);
}, 120_000);

test("with the daemon down, it is started on demand, the first stored chat model is checked and saved, and the daemon is stopped again", async () => {
  const store = join(makeTempDir("llmman-onb-store-"), "store"); // llmman keeps a cache beside its store
  seedLlmmanStore(store, ["docker.io/ai/embeddinggemma:latest", "docker.io/ai/gemma4:e2b"]);
  const log = `${makeTempDir("llmman-onb-log-")}/requests.jsonl`;
  const port = await freePort();
  const { method, daemons } = onboarding();
  const service = { command: llmmanBin, env: { LLMMAN_MODELS: store, LLMMAN_EMU_REQUEST_LOG: log, LLMMAN_EMU_LOAD_MS: "100" } };
  const { ctx, said } = nonInteractive(withLlmman({ baseUrl: `http://127.0.0.1:${port}/v1`, service }), {});
  const next = await method.runNonInteractive!(ctx);
  expect(said.error).toEqual([]);
  expect(said.log.join("\n")).toMatch(/No llmman answers at .*OpenClaw starts `llmman serve` on demand/);
  // The embedding model stored first is no chat model (its GGUF header has a pooling type); gemma4's header gives its context.
  expect(said.log.join("\n")).toMatch(/Models in llmman's store .*: docker\.io\/ai\/gemma4:e2b \(context 131072\)\./);
  expect(next?.agents?.defaults?.model).toEqual({ primary: "llmman/docker.io/ai/gemma4:e2b" });
  expect(daemons.status().daemons).toEqual([]);
  const { readFileSync } = await import("node:fs");
  const start = readFileSync(log, "utf8").split("\n").filter(Boolean).map((line) => JSON.parse(line)).find((entry) => entry.event === "start");
  expect(isAlive(start.pid)).toBe(false);
}, 120_000);

test("a model whose load fails is not made the default, and the message says the answer check failed", async () => {
  const user = await startLlmmanEmulator({ env: { LLMMAN_EMU_LOAD_FAIL: "1" } });
  const { method } = onboarding();
  const { ctx, said } = nonInteractive({} as OpenClawConfig, { llmmanBaseUrl: `${user.baseUrl}/v1`, llmmanModel: "qwen3.5:0.8b" });
  expect(await method.runNonInteractive!(ctx)).toBeNull();
  expect(said.exit).toEqual([1]);
  expect(said.error[0]).toMatch(
    /^llmman\/docker\.io\/ai\/qwen3\.5:0\.8b was not made the default model: the answer check failed: inference server on port \d+ exited before becoming ready: .*Choose another model with --llmman-model/,
  );
}, 120_000);

test("an embedding model cannot chat: not made the default", async () => {
  const user = await startLlmmanEmulator();
  const { method } = onboarding();
  const { ctx, said } = nonInteractive({} as OpenClawConfig, { llmmanBaseUrl: `${user.baseUrl}/v1`, llmmanModel: "embeddinggemma" });
  expect(await method.runNonInteractive!(ctx)).toBeNull();
  expect(said.error[0]).toMatch(/^llmman\/docker\.io\/ai\/embeddinggemma:latest was not made the default model: the answer check failed: .*does not support completions/);
}, 120_000);

test("nothing stored and no --llmman-model: a clear error naming --llmman-model and llmman pull; a hostile --llmman-model is refused", async () => {
  const user = await startLlmmanEmulator({ models: [] });
  const { method } = onboarding();
  const first = nonInteractive({} as OpenClawConfig, { llmmanBaseUrl: `${user.baseUrl}/v1` });
  expect(await method.runNonInteractive!(first.ctx)).toBeNull();
  expect(first.said.error[0]).toMatch(/No llmman chat model to use: llmman at .* stores none\. Name one with --llmman-model .*`llmman pull qwen3\.5:0\.8b`/);
  const hostile = nonInteractive({} as OpenClawConfig, { llmmanBaseUrl: `${user.baseUrl}/v1`, llmmanModel: "/etc/passwd" });
  expect(await method.runNonInteractive!(hostile.ctx)).toBeNull();
  expect(hostile.said.error[0]).toMatch(/^--llmman-model: The llmman model id "\/etc\/passwd" is a local path/);
  expect(user.requests().filter((entry) => entry.event === "request" && entry.path === "/api/pull")).toEqual([]);
}, 60_000);

test("interactive: asks for the URL, shows the daemon's version and models with their context, and pulls the model the user names", async () => {
  const user = await startLlmmanEmulator({ models: ["docker.io/ai/gemma4:e2b"], args: ["docker.io/ai/gemma4:e2b"] });
  await user.waitForLog(/ready on port/);
  const { method } = onboarding();
  const asked: string[] = [];
  const notes: string[] = [];
  const progress: string[] = [];
  let options: Array<{ value: string; hint?: string }> = [];
  const prompter = {
    text: async ({ message }: { message: string }) => {
      asked.push(message);
      return message === "llmman base URL" ? `${user.baseUrl}/v1` : "smollm2";
    },
    select: async (params: { options: Array<{ value: string; hint?: string }>; initialValue: string }) => {
      options = params.options;
      expect(params.initialValue).toBe("docker.io/ai/gemma4:e2b");
      return params.options.at(-1)!.value; // "Pull another model…"
    },
    note: async (message: string) => void notes.push(message),
    progress: () => ({ update: (line: string) => void progress.push(line), stop: (line: string) => void progress.push(line) }),
  };
  const result = await method.run({ config: {}, prompter, env: {} } as unknown as ProviderAuthContext);
  expect(asked).toEqual(["llmman base URL", "Model to pull (llmman name or ref)"]);
  expect(notes[0]).toMatch(/^llmman 0\.1\.334.* is up at http:\/\/127\.0\.0\.1:\d+\.\nStored chat models: docker\.io\/ai\/gemma4:e2b \(context 131072, loaded\)\.$/);
  expect(options[0]).toEqual({ value: "docker.io/ai/gemma4:e2b", label: "docker.io/ai/gemma4:e2b", hint: "context 131072, loaded" });
  expect(progress.some((line) => /pulled docker\.io\/ai\/smollm2:latest/.test(line))).toBe(true);
  expect(result.defaultModel).toBe("llmman/docker.io/ai/smollm2:latest");
  expect(result.configPatch).toEqual({ plugins: { entries: { inferrs: { enabled: true, config: { llmman: { baseUrl: `${user.baseUrl}/v1` } } } } } });
}, 120_000);
