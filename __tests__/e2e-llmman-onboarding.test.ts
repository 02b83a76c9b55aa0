// llmman from an empty machine in the real OpenClaw CLI, against the llmman emulator (tools/bin/llmman)
// with no key anywhere: `openclaw onboard --auth-choice llmman` pulls the named model with progress,
// checks an answer and a tool call, saves it as the default and leaves no process; a model that
// fails its checks is not saved; then memory search on llmman (`memory.search.provider: "llmman"`)
// pulls its embedding model and indexes, reports and searches through the same daemon.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { alive, OpenClawHost } from "../tools/openclaw-host.ts";
import { llmmanBin } from "../tools/emulator/llmman/harness.ts";
import { freePort } from "../tools/net.ts";

type Json = Record<string, any>;

let host: OpenClawHost;
let store: string;
let baseUrl: string;
const requestLog = () => join(host.dir, "llmman-requests.jsonl");

function requests(): Json[] {
  try {
    return readFileSync(requestLog(), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

const posts = (path: string) => requests().filter((line) => line.event === "request" && line.path === path);
const daemonPids = () => requests().filter((line) => line.event === "start").map((line) => line.pid as number);

/** The plugin knows how to start llmman (the emulator, on an empty store); onboarding adds the URL. */
function llmmanService(env: Record<string, string> = {}): void {
  host.setPluginConfig({
    llmman: {
      service: {
        command: llmmanBin,
        env: { LLMMAN_MODELS: store, LLMMAN_EMU_REQUEST_LOG: requestLog(), LLMMAN_EMU_PULL_BYTES_PER_S: "150000000", ...env },
      },
    },
  });
}

function onboard(model: string) {
  // --skip-health: no Gateway runs in this test (onboarding would otherwise wait for one).
  return host.run(
    ["onboard", "--non-interactive", "--accept-risk", "--auth-choice", "llmman", "--llmman-base-url", baseUrl, "--llmman-model", model, "--skip-health"],
    { timeoutMs: 300_000 },
  );
}

beforeAll(async () => {
  host = await OpenClawHost.create();
  store = join(mkdtempSync(join(tmpdir(), "llmman-e2e-onb-store-")), "store"); // llmman keeps a cache beside its store
  baseUrl = `http://127.0.0.1:${await freePort()}/v1`;
}, 400_000);

afterAll(async () => {
  await host?.dispose();
  if (store) rmSync(dirname(store), { recursive: true, force: true });
});

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

    const config = host.readConfig() as Json;
    expect(config.plugins.entries.inferrs.config.llmman.baseUrl).toBe(baseUrl);
    expect(config.plugins.entries.inferrs.config.llmman.service.command).toBe(llmmanBin);
    expect(config.agents.defaults.model.primary).toBe("llmman/docker.io/ai/qwen3.5:0.8b");

    const chats = posts("/v1/chat/completions");
    expect(chats.map((chat) => Boolean(chat.body.tools))).toEqual([false, true]);
    expect(chats[0]!.headers).toMatchObject({ authorization: "Bearer llmman" });
    expect(daemonPids()).toHaveLength(1);
    for (const pid of daemonPids()) expect(alive(pid)).toBe(false);
  }, 400_000);

  test("a model whose checks fail is not saved, and the message says which check failed", async () => {
    const before = host.readConfig() as Json;
    llmmanService({ LLMMAN_EMU_LOAD_FAIL: "1" });
    const run = await onboard("smollm2");
    const output = `${run.stdout}\n${run.stderr}`;
    expect(run.code).not.toBe(0);
    expect(output).toMatch(/llmman\/docker\.io\/ai\/smollm2:latest was not made the default model: the answer check failed: inference server on port \d+ exited before becoming ready/);
    expect((host.readConfig() as Json).agents.defaults.model.primary).toBe(before.agents.defaults.model.primary);
    for (const pid of daemonPids()) expect(alive(pid)).toBe(false);
  }, 400_000);
});

describe('memory search with memory.search.provider: "llmman"', () => {
  beforeAll(() => {
    llmmanService();
    const config = host.readConfig() as Json;
    config.plugins.entries.inferrs.config.llmman.baseUrl = baseUrl;
    host.writeConfig({ ...config, memory: { search: { provider: "llmman" } } });
    // An isolated state keeps the default agent's workspace at <state dir>/workspace.
    const workspace = join(host.stateDir, "workspace");
    mkdirSync(join(workspace, "memory"), { recursive: true });
    writeFileSync(join(workspace, "MEMORY.md"), "# Memory\n\n- The user prefers TypeScript over JavaScript.\n");
    writeFileSync(
      join(workspace, "memory", "2026-09-01.md"),
      "# 2026-09-01\n\nThe staging deploy key lives in the team vault under ops/staging.\n\nLunch was a banana.\n",
    );
  });

  test("memory index --force pulls embeddinggemma, embeds the memory files through llmman and leaves no process", async () => {
    const starts = daemonPids().length;
    const index = await host.run(["memory", "index", "--force"], { timeoutMs: 300_000 });
    expect({ code: index.code, output: index.stdout + index.stderr }).toMatchObject({ code: 0 });
    expect(posts("/api/pull").map((line) => line.body.model)).toContain("docker.io/ai/embeddinggemma:latest");
    const embedded = posts("/v1/embeddings");
    expect(new Set(embedded.map((line) => line.body.model))).toEqual(new Set(["docker.io/ai/embeddinggemma:latest"]));
    const inputs = embedded.flatMap((line) => line.body.input as string[]).join("\n");
    expect(inputs).toContain("The staging deploy key lives in the team vault");
    expect(inputs).toContain("The user prefers TypeScript");
    expect(daemonPids().length).toBe(starts + 1);
    for (const pid of daemonPids()) expect(alive(pid)).toBe(false);
  }, 400_000);

  test("memory status names the llmman provider and its model and starts nothing; memory search finds the note", async () => {
    const starts = daemonPids().length;
    const status = await host.run(["memory", "status", "--json"]);
    expect({ code: status.code, output: status.stdout + status.stderr }).toMatchObject({ code: 0 });
    expect(status.stdout).toContain('"provider": "llmman"');
    expect(status.stdout).toContain("embeddinggemma");
    expect(daemonPids()).toHaveLength(starts);

    const search = await host.run(["memory", "search", "where is the staging deploy key?", "--json"], { timeoutMs: 300_000 });
    expect({ code: search.code, output: search.stdout + search.stderr }).toMatchObject({ code: 0 });
    expect(search.stdout).toContain("team vault");
    expect(posts("/v1/embeddings").flatMap((line) => line.body.input as string[])).toContain("where is the staging deploy key?");
    for (const pid of daemonPids()) expect(alive(pid)).toBe(false);
  }, 400_000);
});
