// llmman from an empty machine in the real OpenClaw CLI, against the llmman emulator (tools/bin/llmman)
// with no key anywhere: `openclaw onboard --auth-choice llmman` pulls the named model with progress,
// checks an answer and a tool call, saves it as the default and leaves no process; a model that
// fails its checks is not saved; then memory search on llmman (`memory.search.provider: "llmman"`)
// pulls its embedding model and indexes, reports and searches through the same daemon.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive } from "../tools/openclaw-host.ts";
import { llmmanBin } from "../tools/emulator/llmman/harness.ts";
import { useE2eSuite } from "../tools/e2e/harness.ts";

type Json = Record<string, any>;

const e2e = useE2eSuite({ backend: "llmman" });

/** The plugin knows how to start llmman (the emulator, on this test's empty store); no baseUrl unless given (onboarding writes it). */
function llmmanService(options: { env?: Record<string, string>; baseUrl?: string } = {}): void {
  e2e.usePluginConfig({ baseUrl: options.baseUrl, env: { LLMMAN_EMU_PULL_BYTES_PER_S: "150000000", ...options.env } });
}

function onboard(model: string) {
  // --skip-health: no Gateway runs in this test (onboarding would otherwise wait for one).
  const args = ["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "llmman", "--llmman-base-url", e2e.llmmanBaseUrl, "--llmman-model", model];
  return e2e.run([...args, "--skip-health"]);
}

const daemonsStopped = () => e2e.starts().every((start) => !alive(start.pid!));

describe("openclaw onboard --non-interactive --auth-choice llmman", () => {
  test("on an empty store: pulls --llmman-model with progress, checks an answer and a tool call, saves the URL and the default, leaves no process", async () => {
    llmmanService();
    const run = await onboard("qwen3.5:0.8b");
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ code: run.code, output }).toMatchObject({ code: 0 });
    expect(output).toMatch(/llmman: pulling docker\.io\/ai\/qwen3\.5:0\.8b: \d+% \([\d.]+ MB of 532\.5 MB, [\d.]+ MB\/s\)/);
    expect(output).toMatch(/llmman: pulled docker\.io\/ai\/qwen3\.5:0\.8b/);
    expect(output).toMatch(/docker\.io\/ai\/qwen3\.5:0\.8b answered: "2 \+ 2 = 4\."/);
    expect(output).toMatch(/docker\.io\/ai\/qwen3\.5:0\.8b called the get_weather tool\./);

    const config = e2e.host.readConfig() as Json;
    expect(config.plugins.entries.inferrs.config.llmman.baseUrl).toBe(e2e.llmmanBaseUrl);
    expect(config.plugins.entries.inferrs.config.llmman.service.command).toBe(llmmanBin);
    expect(config.agents.defaults.model.primary).toBe("llmman/docker.io/ai/qwen3.5:0.8b");

    const chats = e2e.posts();
    expect(chats.map((chat) => Boolean(chat.body!.tools))).toEqual([false, true]);
    expect(chats[0]!.headers).toMatchObject({ authorization: "Bearer llmman" });
    expect(e2e.starts()).toHaveLength(1);
    expect(daemonsStopped()).toBe(true);
  });

  test("a model whose checks fail is not saved, and the message says which check failed", async () => {
    const previous = "llmman/docker.io/ai/qwen3.5:0.8b";
    llmmanService({ env: { LLMMAN_EMU_LOAD_FAIL: "1" } });
    e2e.updateConfig({ agents: { defaults: { model: { primary: previous } } } });
    const run = await onboard("smollm2");
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code).not.toBe(0);
    expect(output).toMatch(/llmman\/docker\.io\/ai\/smollm2:latest was not made the default model: the answer check failed: inference server on port \d+ exited before becoming ready/);
    expect((e2e.host.readConfig() as Json).agents.defaults.model.primary).toBe(previous);
    expect(daemonsStopped()).toBe(true);
  });
});

test('memory search with memory.search.provider: "llmman": memory index --force pulls embeddinggemma and embeds the memory files through llmman, memory status names the provider and its model and starts nothing, memory search finds the note; no process is left', async () => {
  llmmanService({ baseUrl: e2e.llmmanBaseUrl });
  e2e.updateConfig({ memory: { search: { provider: "llmman" } } });
  // An isolated state keeps the default agent's workspace at <state dir>/workspace.
  const workspace = join(e2e.host.stateDir, "workspace");
  mkdirSync(join(workspace, "memory"), { recursive: true });
  writeFileSync(join(workspace, "MEMORY.md"), "# Memory\n\n- The user prefers TypeScript over JavaScript.\n");
  writeFileSync(join(workspace, "memory", "2026-09-01.md"), "# 2026-09-01\n\nThe staging deploy key lives in the team vault under ops/staging.\n\nLunch was a banana.\n");

  const index = await e2e.run(["memory", "index", "--force"]);
  expect({ code: index.code, output: index.stdout + index.stderr }).toMatchObject({ code: 0 });
  expect(e2e.posts("/api/pull").map((line) => line.body!.model)).toContain("docker.io/ai/embeddinggemma:latest");
  const embedded = e2e.posts("/v1/embeddings");
  expect(new Set(embedded.map((line) => line.body!.model))).toEqual(new Set(["docker.io/ai/embeddinggemma:latest"]));
  const inputs = embedded.flatMap((line) => line.body!.input as string[]).join("\n");
  expect(inputs).toContain("The staging deploy key lives in the team vault");
  expect(inputs).toContain("The user prefers TypeScript");
  expect(e2e.starts()).toHaveLength(1);
  expect(daemonsStopped()).toBe(true);

  const status = await e2e.run(["memory", "status", "--json"]);
  expect({ code: status.code, output: status.stdout + status.stderr }).toMatchObject({ code: 0 });
  expect(status.stdout).toContain('"provider": "llmman"');
  expect(status.stdout).toContain("embeddinggemma");
  expect(e2e.starts()).toHaveLength(1);

  const search = await e2e.run(["memory", "search", "where is the staging deploy key?", "--json"]);
  expect({ code: search.code, output: search.stdout + search.stderr }).toMatchObject({ code: 0 });
  expect(search.stdout).toContain("team vault");
  expect(e2e.posts("/v1/embeddings").flatMap((line) => line.body!.input as string[])).toContain("where is the staging deploy key?");
  expect(daemonsStopped()).toBe(true);
});
