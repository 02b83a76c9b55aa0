// Memory search on inferrs in the real OpenClaw CLI: with only `memory.search.provider: "inferrs"`
// (and a model) set, `openclaw memory index --force` starts the embedding model through the plugin
// and embeds the workspace's memory files, `memory search` finds a note, and no inferrs process
// outlives the CLI. Only plugin config: no provider block.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, type RunResult } from "../tools/openclaw-host.ts";
import { type LogLine, useE2eSuite } from "../tools/e2e/harness.ts";

const EMBEDDING_MODEL = "Qwen/Qwen3-Embedding-0.6B";

const e2e = useE2eSuite({
  pluginConfig: (suite) => suite.pluginConfig(),
  config: (suite) => {
    // An isolated state keeps the default agent's workspace at <state dir>/workspace.
    const workspace = join(suite.host.stateDir, "workspace");
    mkdirSync(join(workspace, "memory"), { recursive: true });
    writeFileSync(join(workspace, "MEMORY.md"), "# Memory\n\n- The user prefers TypeScript over JavaScript.\n");
    writeFileSync(
      join(workspace, "memory", "2026-09-01.md"),
      "# 2026-09-01\n\nThe staging deploy key lives in the team vault under ops/staging.\n\nLunch was a banana.\n",
    );
    return { memory: { search: { provider: "inferrs", model: EMBEDDING_MODEL } } };
  },
});

/** The index the later tests search: made once, by whichever test needs it first. */
let indexed: Promise<{ index: RunResult; starts: LogLine[]; embedded: string[] }> | undefined;
function memoryIndex() {
  indexed ??= e2e.run(["memory", "index", "--force"]).then((index) => ({
    index,
    starts: e2e.starts(),
    embedded: e2e.posts("/v1/embeddings").flatMap((line) => (line.body as { input: string[] }).input),
  }));
  return indexed;
}

test("memory index --force starts the embedding model and embeds the memory files; no process outlives the CLI", async () => {
  const { index, starts, embedded } = await memoryIndex();
  expect({ code: index.code, output: index.stdout + index.stderr }).toMatchObject({ code: 0 });

  // Its own server on a free port (a slot outside service.maxServers): baseUrl's port stays for chat models.
  expect(starts.map((line) => line.argv)).toEqual([
    ["serve", "--host", "127.0.0.1", "--port", expect.any(String), "--device", "cpu", "--", EMBEDDING_MODEL],
  ]);
  expect(starts[0]!.argv![4]).not.toBe(String(e2e.port));
  expect(embedded.join("\n")).toContain("The staging deploy key lives in the team vault");
  expect(embedded.join("\n")).toContain("The user prefers TypeScript");
  for (const line of starts) expect(alive(line.pid!)).toBe(false);
});

test("memory search finds the indexed note, embedding the query with the same model", async () => {
  await memoryIndex();
  const before = e2e.starts().length;
  const search = await e2e.run(["memory", "search", "where is the staging deploy key?", "--json"]);
  expect({ code: search.code, output: search.stdout + search.stderr }).toMatchObject({ code: 0 });
  expect(search.stdout).toContain("team vault");
  expect(search.stdout).toContain("memory/2026-09-01.md");
  const queries = e2e.posts("/v1/embeddings").flatMap((line) => (line.body as { input: string[] }).input);
  expect(queries).toContain("where is the staging deploy key?");
  for (const line of e2e.starts().slice(before)) expect(alive(line.pid!)).toBe(false);
});
