// The packed plugin's llmman provider in the real OpenClaw CLI, against the llmman emulator
// (tools/bin/llmman), with no key anywhere and only plugin config (no provider block): the daemon
// started on demand, a missing model pulled with progress, loading lines, thinking off on the wire,
// gateway turns on two models through one daemon, discovery through that gateway, and
// OpenClaw's hand-written llmman block beside the plugin.
import { alive } from "../tools/openclaw-host.ts";
import { llmmanBin } from "../tools/emulator/llmman/harness.ts";
import { type PluginConfigOptions, useE2eSuite } from "../tools/e2e/harness.ts";

const QWEN = "qwen3.5:0.8b";
const QWEN_REF = `docker.io/ai/${QWEN}`;
const GEMMA = "gemma4:e2b";
const GEMMA_REF = `docker.io/ai/${GEMMA}`;

const e2e = useE2eSuite({ backend: "llmman" });

/** The plugin's llmman config for this test's store and request log; discovery has time on a loaded machine. */
function useLlmman(options: PluginConfigOptions = {}): void {
  e2e.usePluginConfig({ discoveryTimeoutMs: 30_000, ...options });
}

/** The JSON document of a CLI's stdout (progress lines may come before it). */
const json = (stdout: string) => JSON.parse(stdout.slice(stdout.indexOf("{")));

test("infer model run --local starts llmman, pulls the missing model with progress, shows loading lines, answers with no key, sends --thinking off as chat_template_kwargs.enable_thinking false, leaves no process", async () => {
  // The store is empty; the load lasts long enough for the 2-second loading lines. reasoning is
  // set because the daemon is down when the model is resolved, and a model not yet pulled does not
  // say whether it thinks.
  useLlmman({
    env: { LLMMAN_EMU_LOAD_MS: "4500", LLMMAN_EMU_PULL_BYTES_PER_S: "150000000" },
    models: { [QWEN]: { supportsTools: false, reasoning: true } },
  });
  const run = await e2e.inferRun(QWEN, { thinking: "off" });
  expect(run.code).toBe(0);
  expect(json(run.stdout)).toMatchObject({ ok: true, provider: "llmman" });
  const output = `${run.stdout}\n${run.stderr}`;
  expect(output).toMatch(/llmman: pulling docker\.io\/ai\/qwen3\.5:0\.8b: \d+% \([\d.]+ MB of 532\.5 MB, [\d.]+ MB\/s\)/);
  expect(output).toMatch(/llmman: pulled docker\.io\/ai\/qwen3\.5:0\.8b/);
  expect(output).toMatch(/llmman: loading qwen3\.5:0\.8b… [\d.]+ s/);
  expect(output).toMatch(/llmman: loading docker\.io\/ai\/qwen3\.5:0\.8b on port \d+/); // llmman's own phase: we own the daemon

  const starts = e2e.starts();
  expect(starts).toHaveLength(1);
  expect(starts[0]).toMatchObject({ argv: ["serve"], host: "127.0.0.1", port: e2e.llmmanPort });
  expect(alive(starts[0]!.pid!)).toBe(false);
  const chats = e2e.posts();
  expect(chats).toHaveLength(1);
  expect(chats[0]!.headers).toMatchObject({ authorization: "Bearer llmman" });
  expect(chats[0]!.body).toMatchObject({ chat_template_kwargs: { enable_thinking: false } });
  expect(chats[0]!.body).not.toHaveProperty("reasoning_effort");
  // Discovery and the request path never loaded through Ollama routes.
  expect(e2e.requests().filter((line) => line.event === "request" && /^\/api\/(generate|chat)/.test(line.path!))).toEqual([]);
});

test("through a gateway: turns on two llmman models run through one daemon the plugin started; models list --provider llmman then shows the stored chat models with /api/show contexts capped by LLMMAN_CONTEXT_LENGTH, loaded ones' from /api/ps, and no embedding model", async () => {
  e2e.llmmanStore("default");
  useLlmman({ env: { LLMMAN_CONTEXT_LENGTH: "65536" } });
  // As onboarding writes it (the canonical ref): OpenClaw lists a default model it does not find in
  // the catalog as a row of its own, and a short ref is not the catalog's key.
  e2e.updateConfig({ agents: { defaults: { model: { primary: `llmman/${QWEN_REF}` } } } });
  await e2e.startGateway();
  const first = await e2e.inferRun(QWEN, { gateway: true });
  expect(first.code).toBe(0);
  expect(json(first.stdout)).toMatchObject({ ok: true, provider: "llmman", outputs: [{ text: "2 + 2 = 4." }] });
  // Then an agent turn (a lighter CLI than infer) on the other model, through the same gateway.
  const turn = await e2e.agent(GEMMA, { session: "llmman-gemma" });
  expect(turn.code).toBe(0);
  expect(json(turn.stdout)).toMatchObject({ status: "ok", result: { meta: { agentMeta: { provider: "llmman", model: GEMMA } } } });
  // Each turn reached the daemon for its own model (short or canonical, both are the one model).
  expect(e2e.posts().map((chat) => chat.body!.model)).toEqual([QWEN, GEMMA].map((model) => expect.stringContaining(model)));
  const starts = e2e.starts();
  expect(starts).toHaveLength(1); // one daemon for both models

  const list = await e2e.modelsList();
  expect(list.code).toBe(0);
  expect(list.stderr).not.toContain("Gateway is not running");
  const models = json(list.stdout).models as Array<{ key: string; contextWindow: number }>;
  // OpenClaw sorts the list by key.
  expect(models.map((model) => [model.key, model.contextWindow])).toEqual([
    [`llmman/${GEMMA_REF}`, 65536], // loaded: its /api/ps context (trained 131072)
    [`llmman/${QWEN_REF}`, 65536], // loaded: its /api/ps context
    ["llmman/hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest", 65536], // unloaded: trained 262144, capped by LLMMAN_CONTEXT_LENGTH
  ]);
  expect(e2e.starts()).toHaveLength(1);
  expect(alive(starts[0]!.pid!)).toBe(true); // the gateway keeps its daemon until it stops
});

test("OpenClaw's hand-written llmman block (with localService) keeps working beside the plugin: one daemon, one entry per model", async () => {
  const port = e2e.llmmanPort;
  const config = e2e.host.readConfig() as { models?: Record<string, unknown> };
  e2e.host.setPluginConfig({});
  // As docs/providers/llmman.md ("On-demand startup") has it, with the emulator as the command.
  e2e.updateConfig({
    agents: { defaults: { model: { primary: `llmman/${QWEN}` } } },
    models: {
      ...config.models,
      mode: "merge",
      providers: {
        llmman: {
          baseUrl: `http://127.0.0.1:${port}/v1`,
          apiKey: "llmman-local",
          api: "openai-completions",
          timeoutSeconds: 300,
          localService: {
            command: llmmanBin,
            args: ["serve"],
            env: {
              LLMMAN_HOST: `127.0.0.1:${port}`,
              LLMMAN_MODELS: e2e.llmmanStore("default"),
              LLMMAN_EMU_REQUEST_LOG: e2e.requestLog(),
              LLMMAN_EMU_LOAD_MS: "200",
            },
            healthUrl: `http://127.0.0.1:${port}/api/version`,
            readyTimeoutMs: 180000,
            idleStopMs: 0,
          },
          models: [{ id: QWEN, name: "Qwen3.5 0.8B (llmman)", reasoning: true, input: ["text"], contextWindow: 65536, maxTokens: 8192 }],
        },
      },
    },
  });
  const run = await e2e.inferRun(QWEN);
  expect(run.code).toBe(0);
  expect(e2e.starts()).toHaveLength(1); // OpenClaw's localService started it; the plugin started none
  expect(e2e.posts()[0]!.headers).toMatchObject({ authorization: "Bearer llmman-local" }); // the block's key wins

  const list = await e2e.modelsList();
  expect(list.code).toBe(0);
  const keys = (json(list.stdout).models as Array<{ key: string }>).map((model) => model.key);
  expect(keys.filter((key) => /qwen3\.5:0\.8b$/.test(key) && !key.includes("hf.co"))).toEqual([`llmman/${QWEN}`]);
});
