// llmman from an empty machine in the real OpenClaw CLI, against the llmman emulator (tools/bin/llmman)
// with no key anywhere: `openclaw onboard --auth-choice llmman` pulls the named model with progress,
// checks an answer and a tool call, saves it as the default and leaves no process (a model that
// fails its checks: llmman-onboarding.test.ts); `openclaw models auth login --provider llmman` at a
// terminal shows the daemon and its models and pulls the one the user names; then memory search on
// llmman (`memory.search.provider: "llmman"`) pulls its embedding model and indexes and searches
// through the same daemon.
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

});

describe("openclaw models auth login --provider llmman --set-default, at a terminal", () => {
  test("asks for the URL, shows the daemon's version and its stored models with their context, pulls the model the user names and saves it after its checks", async () => {
    const daemon = await e2e.startLlmmanEmulator({ port: e2e.llmmanPort, env: { LLMMAN_EMU_PULL_BYTES_PER_S: "150000000" } });
    const down = "\x1b[B";
    const login = await e2e.runInTerminal(["models", "auth", "login", "--provider", "llmman", "--set-default"], [
      { prompt: "llmman base URL", keys: `\x15${e2e.llmmanBaseUrl}\r` },
      // The three stored chat models, then "Pull another model…".
      { prompt: "Default model", keys: `${down}${down}${down}\r` },
      { prompt: "Model to pull", keys: "smollm2\r" },
    ]);
    expect({ code: login.code, unanswered: login.unanswered, screen: login.screen }).toMatchObject({ code: 0, unanswered: [] });
    const screen = login.screen.replace(/\s+/g, " ");
    expect(screen).toContain(`llmman 0.1.334 (22b6d73) is up at ${daemon.baseUrl}.`);
    expect(screen).toContain("docker.io/ai/gemma4:e2b (context 131072)");
    expect(screen).toContain("docker.io/ai/smollm2:latest answered");
    expect(screen).not.toContain("embeddinggemma"); // not a chat model

    expect(daemon.requests().filter((line) => line.event === "request" && line.path === "/api/pull").map((line) => line.body?.model)).toEqual(["docker.io/ai/smollm2:latest"]);
    const config = e2e.host.readConfig() as Json;
    expect(config.plugins.entries.inferrs.config.llmman.baseUrl).toBe(e2e.llmmanBaseUrl);
    expect(config.agents.defaults.model.primary).toBe("llmman/docker.io/ai/smollm2:latest");
    expect(alive(daemon.pid)).toBe(true); // the user's daemon: used, never stopped
  });
});

test('memory search with memory.search.provider: "llmman": memory index --force pulls embeddinggemma and embeds the memory files through llmman, memory search finds the note; no process is left', async () => {
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

  const search = await e2e.run(["memory", "search", "where is the staging deploy key?", "--json"]);
  expect({ code: search.code, output: search.stdout + search.stderr }).toMatchObject({ code: 0 });
  expect(search.stdout).toContain("team vault");
  expect(e2e.posts("/v1/embeddings").flatMap((line) => line.body!.input as string[])).toContain("where is the staging deploy key?");
  expect(daemonsStopped()).toBe(true);
});
