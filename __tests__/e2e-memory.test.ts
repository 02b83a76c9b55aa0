// Memory search on inferrs in the real OpenClaw CLI: with only `memory.search.provider: "inferrs"`
// (and a model) set, `openclaw memory index --force` starts the embedding model through the plugin
// and embeds the workspace's memory files, `memory status` names the provider, `memory search`
// finds a note, and no inferrs process outlives the CLI. Only plugin config: no provider block.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, inferrsBin, OpenClawHost } from "../tools/openclaw-host.ts";
import { freePort, startEmulator, stopAllEmulators } from "./support/emulator.ts";

const EMBEDDING_MODEL = "Qwen/Qwen3-Embedding-0.6B";

let host: OpenClawHost;
let port: number;

beforeAll(async () => {
  host = await OpenClawHost.create();
  port = await freePort();
  host.setPluginConfig({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    service: { command: inferrsBin, env: { INFERRS_EMU_REQUEST_LOG: host.requestLog } },
  });
  host.writeConfig({ ...host.readConfig(), memory: { search: { provider: "inferrs", model: EMBEDDING_MODEL } } });
  // An isolated state keeps the default agent's workspace at <state dir>/workspace.
  const workspace = join(host.stateDir, "workspace");
  mkdirSync(join(workspace, "memory"), { recursive: true });
  writeFileSync(join(workspace, "MEMORY.md"), "# Memory\n\n- The user prefers TypeScript over JavaScript.\n");
  writeFileSync(
    join(workspace, "memory", "2026-09-01.md"),
    "# 2026-09-01\n\nThe staging deploy key lives in the team vault under ops/staging.\n\nLunch was a banana.\n",
  );
}, 120_000);

afterAll(async () => {
  await host?.dispose();
});

const starts = () => host.starts();
const embeddingPosts = () => host.requests().filter((line) => line.path === "/v1/embeddings");

test("memory index --force starts the embedding model and embeds the memory files; no process outlives the CLI", async () => {
  const index = await host.run(["memory", "index", "--force"]);
  expect({ code: index.code, output: index.stdout + index.stderr }).toMatchObject({ code: 0 });

  // Its own server on a free port (a slot outside service.maxServers): baseUrl's port stays for chat models.
  expect(starts().map((line) => line.argv)).toEqual([
    ["serve", "--host", "127.0.0.1", "--port", expect.any(String), "--device", "cpu", "--", EMBEDDING_MODEL],
  ]);
  expect(starts()[0]!.argv![4]).not.toBe(String(port));
  const embedded = embeddingPosts().flatMap((line) => (line.body as { input: string[] }).input);
  expect(embedded.join("\n")).toContain("The staging deploy key lives in the team vault");
  expect(embedded.join("\n")).toContain("The user prefers TypeScript");
  for (const line of starts()) expect(alive(line.pid!)).toBe(false);
}, 180_000);

test("memory status names the inferrs provider and its model, and starts nothing", async () => {
  const before = starts().length;
  const status = await host.run(["memory", "status", "--json"]);
  expect(status.code).toBe(0);
  expect(starts()).toHaveLength(before);
  expect(status.stdout).toContain('"provider": "inferrs"');
  expect(status.stdout).toContain(EMBEDDING_MODEL);
}, 120_000);

test("memory search finds the indexed note, embedding the query with the same model", async () => {
  const before = starts().length;
  const search = await host.run(["memory", "search", "where is the staging deploy key?", "--json"]);
  expect({ code: search.code, output: search.stdout + search.stderr }).toMatchObject({ code: 0 });
  expect(search.stdout).toContain("team vault");
  expect(search.stdout).toContain("memory/2026-09-01.md");
  const queries = embeddingPosts().flatMap((line) => (line.body as { input: string[] }).input);
  expect(queries).toContain("where is the staging deploy key?");
  for (const line of starts().slice(before)) expect(alive(line.pid!)).toBe(false);
}, 180_000);

test("a model id that is a path is refused with the fix, and nothing starts", async () => {
  const config = host.readConfig();
  host.writeConfig({ ...config, memory: { search: { provider: "inferrs", model: "../models/evil" } } });
  try {
    const before = starts().length;
    const index = await host.run(["memory", "index", "--force"]);
    expect(index.code).not.toBe(0);
    expect(index.stdout + index.stderr).toContain(
      'memory.search.model is "../models/evil", which OpenClaw will not pass to inferrs: it looks like a file path',
    );
    expect(starts()).toHaveLength(before);
  } finally {
    host.writeConfig(config);
  }
}, 180_000);

test("with service.autoStart false, memory index uses the embedding server the user runs at baseUrl", async () => {
  const config = host.readConfig();
  const userPort = await freePort();
  const user = await startEmulator({ model: EMBEDDING_MODEL, port: userPort, hfHome: host.hfHome, env: { INFERRS_EMU_REQUEST_LOG: host.requestLog } });
  await user.waitForHealth(200);
  host.setPluginConfig({ baseUrl: `http://127.0.0.1:${userPort}/v1`, service: { command: inferrsBin, autoStart: false } });
  try {
    const before = starts().length;
    const posts = embeddingPosts().length;
    const index = await host.run(["memory", "index", "--force"], { timeoutMs: 400_000 });
    expect({ code: index.code, output: index.stdout + index.stderr }).toMatchObject({ code: 0 });
    expect(index.stdout + index.stderr).not.toContain("Start it yourself");
    expect(embeddingPosts().length).toBeGreaterThan(posts);
    expect(starts().slice(before).filter((line) => line.port !== userPort)).toEqual([]);
  } finally {
    host.writeConfig(config);
    await stopAllEmulators();
  }
}, 600_000);
