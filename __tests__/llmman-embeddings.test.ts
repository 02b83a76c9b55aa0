// Memory search on llmman (`memory.search.provider: "llmman"`): the embedding provider created as
// the host creates it, embedding through the llmman emulator's /v1/embeddings.
import { startLlmmanEmulator, stopAllLlmmanEmulators } from "../tools/emulator/llmman/harness.ts";
import { LlmmanDaemons } from "../src/llmman/daemon/supervisor.ts";
import { createLlmmanEmbeddingAdapter } from "../src/llmman/embeddings/provider.ts";
import { makeTempDir, removeTempDirs } from "./support/emulator.ts";

const supervisors: LlmmanDaemons[] = [];
afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((daemons) => daemons.stop()));
  await stopAllLlmmanEmulators();
});
afterAll(removeTempDirs);

function adapter(logged: string[] = []) {
  const daemons = new LlmmanDaemons({ env: process.env, stateDir: makeTempDir("llmman-emb-state-") });
  supervisors.push(daemons);
  return createLlmmanEmbeddingAdapter({ pluginConfig: {}, daemons, logger: { info: (line) => void logged.push(line) }, env: {} });
}

const hostConfig = (baseUrl: string) => ({ plugins: { entries: { inferrs: { config: { llmman: { baseUrl: `${baseUrl}/v1` } } } } } });

test("the default model is pulled with progress, inputs go in batches of 32, dimensions come from the first answer, and the chat model stays loaded", async () => {
  const user = await startLlmmanEmulator({ models: ["docker.io/ai/qwen3.5:0.8b"], args: ["docker.io/ai/qwen3.5:0.8b"], env: { LLMMAN_EMU_PULL_BYTES_PER_S: "100000000" } });
  await user.waitForLog(/ready on port/);
  const logged: string[] = [];
  const embeddings = adapter(logged);
  expect(embeddings.normalizeModel!({ model: undefined } as never)).toBe("embeddinggemma");
  const { provider } = await embeddings.create({ config: hostConfig(user.baseUrl), model: "" } as never);
  expect(provider!.model).toBe("docker.io/ai/embeddinggemma:latest");
  expect(provider!.dimensions).toBeUndefined();
  const texts = Array.from({ length: 40 }, (_, i) => `note ${i}`);
  const vectors = await provider!.embedBatch(texts);
  expect(vectors).toHaveLength(40);
  expect(vectors[0]).toHaveLength(768);
  expect(provider!.dimensions).toBe(768);
  expect(logged.join("\n")).toMatch(/llmman: pulling docker\.io\/ai\/embeddinggemma:latest: \d+% \([\d.]+ MB of 328\.6 MB, [\d.]+ MB\/s\)/);
  expect(logged.join("\n")).toMatch(/llmman: pulled docker\.io\/ai\/embeddinggemma:latest/);
  const posts = user.requests().filter((entry) => entry.event === "request" && entry.path === "/v1/embeddings");
  expect(posts.map((post) => [post.body.model, post.body.input.length])).toEqual([
    ["docker.io/ai/embeddinggemma:latest", 32],
    ["docker.io/ai/embeddinggemma:latest", 8],
  ]);
  expect((await provider!.embed("one more"))).toHaveLength(768);
  const ps = (await (await fetch(`${user.baseUrl}/api/ps`)).json()) as { models: Array<{ name: string }> };
  expect(ps.models.map((model) => model.name).sort()).toEqual(["docker.io/ai/embeddinggemma:latest", "docker.io/ai/qwen3.5:0.8b"]);
}, 120_000);

test("a chat model as memory.search.model is refused as not an embedding model; nothing is embedded", async () => {
  const user = await startLlmmanEmulator();
  const { provider } = await adapter().create({ config: hostConfig(user.baseUrl), model: "llmman/qwen3.5:0.8b" } as never);
  await expect(provider!.embed("hello")).rejects.toThrow(
    'docker.io/ai/qwen3.5:0.8b is not an embedding model (its capabilities are completion), so memory search cannot use it. Set memory.search.model to a llmman embedding model such as "embeddinggemma"',
  );
  expect(user.requests().filter((entry) => entry.event === "request" && entry.path === "/v1/embeddings")).toEqual([]);
}, 60_000);

test("485d055 serves an embedding model without --embeddings: its refusal says the model cannot embed", async () => {
  const user = await startLlmmanEmulator({ env: { LLMMAN_EMU_VERSION: "485d055" } });
  const { provider } = await adapter().create({ config: hostConfig(user.baseUrl), model: "embeddinggemma" } as never);
  await expect(provider!.embed("hello")).rejects.toThrow(/^docker\.io\/ai\/embeddinggemma:latest is not an embedding model \(llmman said: This server does not support embeddings/);
}, 60_000);

test("a hostile memory.search.model is refused naming the key, before any request", async () => {
  const embeddings = adapter();
  for (const model of ["/etc/passwd", "-rf", "hf://x/y", "llmman.provider/openai/text-embedding-3-small"]) {
    await expect(embeddings.create({ config: hostConfig("http://127.0.0.1:9"), model } as never)).rejects.toThrow(/^memory\.search\.model: .*Set memory\.search\.model to a llmman embedding model/);
  }
});
