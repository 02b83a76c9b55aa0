// Tools and thinking in the real OpenClaw CLI, where real inferrs gives them: Qwen3's template
// (tokenizer_config.json with enable_thinking) returns native tool calls, streamed in raw
// fragments (Gemma 3 and Phi-3 get neither: the model-metadata tests).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useE2eSuite } from "../tools/e2e/harness.ts";

const QWEN3 = "Qwen/Qwen3-0.6B";
/** What the emulator streams as reasoning_content for a thinking model when reasoning_effort is set. */
const REASONING = "The user wants a short answer, so I will reply directly.";

const e2e = useE2eSuite({ pluginConfig: (suite) => suite.pluginConfig() });
let workspace: string;

beforeAll(() => {
  workspace = join(e2e.host.stateDir, "workspace");
  mkdirSync(workspace, { recursive: true });
  writeFileSync(join(workspace, "notes.txt"), "the secret word is pelican\n");
});

type Body = { messages: Array<{ role: string; content: unknown; tool_calls?: unknown[] }>; tools?: Array<{ function: { name: string } }>; reasoning_effort?: unknown };
type ToolDelta = { index: number; id?: string; function: { name?: string; arguments?: string } };
type Chunk = { choices: Array<{ delta: { content?: string; tool_calls?: ToolDelta[] } }> };

/** This test's chat requests, and the streamed chunks of each (the emulator logs them after the request). */
function chats(): Array<{ body: Body; chunks: Chunk[] }> {
  const out: ReturnType<typeof chats> = [];
  for (const line of e2e.requests()) {
    if (line.event === "request" && line.path === "/v1/chat/completions") out.push({ body: line.body as unknown as Body, chunks: [] });
    else if (line.event === "chunk" && typeof line.data === "object") out.at(-1)?.chunks.push(line.data as Chunk);
  }
  return out;
}

const toolDeltas = (chunks: Chunk[]) => chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);

test("an agent turn on Qwen3 gets the tool schemas and --thinking high as reasoning_effort (its streamed reasoning kept as thinking, not answer text), runs two tool calls streamed in fragments, and answers", async () => {
  const run = await e2e.agent(QWEN3, {
    local: true,
    thinking: "high",
    message: 'Use read with {"path":"notes.txt"} and use write with {"path":"out.txt","content":"written by the tool"}',
  });
  expect(run.code).toBe(0);
  // No key anywhere: nothing was pasted into this host, and the harness passes no INFERRS_* variable.
  expect(run.stderr).not.toContain("No API key found");
  const result = JSON.parse(run.stdout);
  expect(result.meta.agentMeta.terminalReceipt.successfulToolNames).toEqual(["read", "write"]);
  expect(result.payloads[0].text).toContain("The tool returned: the secret word is pelican");
  expect(result.payloads[0].text).not.toContain(REASONING);
  expect(sessionFilesContaining(REASONING)).not.toHaveLength(0);
  expect(readFileSync(join(workspace, "out.txt"), "utf8")).toBe("written by the tool");

  const [first, second] = chats();
  expect(first!.body).toMatchObject({ reasoning_effort: "high" });
  expect(first!.body.tools!.map((tool) => tool.function.name)).toEqual(expect.arrayContaining(["read", "write", "exec"]));
  const deltas = toolDeltas(first!.chunks);
  expect(deltas.filter((d) => d.id).map((d) => [d.index, d.id, d.function.name, d.function.arguments])).toEqual([
    [0, "call_0", "read", ""],
    [1, "call_1", "write", ""],
  ]);
  const fragments = (index: number) => deltas.filter((d) => d.index === index && d.function.arguments).map((d) => d.function.arguments);
  expect(fragments(0).length).toBeGreaterThan(3);
  expect(fragments(0).join("")).toBe('{"path": "notes.txt"}');
  // The plugin's compat flags: never a developer message, and every content a string (an old
  // inferrs refuses arrays), except none on an assistant message that only calls tools.
  for (const chat of e2e.posts()) expect(chat.headers).toMatchObject({ authorization: "Bearer inferrs-local" });
  for (const m of chats().flatMap((chat) => chat.body.messages)) {
    expect(m.role).not.toBe("developer");
    expect(m.tool_calls && m.content == null ? "none" : typeof m.content).toMatch(/^(string|none)$/);
  }
  const results = second!.body.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
  expect(results[0]).toContain("the secret word is pelican");
  expect(results[1]).toContain("out.txt");
});

/** Files of OpenClaw's state (sessions, transcripts) whose bytes contain `text`. */
function sessionFilesContaining(text: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.size < 64 * 1024 * 1024 && readFileSync(path).includes(text)) found.push(path);
    }
  };
  walk(e2e.host.stateDir);
  return found;
}
