// The llmman request path's parts against the llmman emulator and llmman's own error texts: a pull
// with progress, llmman's errors worded with their fix, and the model id check.
import { startLlmmanEmulator, type LlmmanEmulator } from "../tools/emulator/llmman/harness.ts";
import { explainRefusal, isBusy } from "../src/llmman/request/errors.ts";
import type { LlmmanStatus } from "../src/llmman/request/progress.ts";
import { pullModel } from "../src/llmman/request/pull.ts";
import { canonicalRef, modelIdProblem, parseModelRef } from "../src/llmman/model-id.ts";

const started: LlmmanEmulator[] = [];
afterAll(async () => {
  await Promise.all(started.map((emu) => emu.stop()));
});

async function emulator(env: Record<string, string> = {}): Promise<LlmmanEmulator> {
  const emu = await startLlmmanEmulator({ models: [], env });
  started.push(emu);
  return emu;
}

describe("llmman pull before the chat request", () => {
  test("reports percent, bytes and rate while it pulls, and the model is then listed", async () => {
    // 270 MB at 100 MB/s: about 3 s, so at least one 2 s report with figures.
    const emu = await emulator({ LLMMAN_EMU_PULL_BYTES_PER_S: String(100 * 1000 * 1000) });
    const statuses: LlmmanStatus[] = [];
    await pullModel({ origin: emu.baseUrl, apiKey: "llmman", signal: AbortSignal.timeout(60_000) }, "docker.io/ai/smollm2:latest", (status) =>
      statuses.push(status),
    );
    const withFigures = statuses.filter((status) => status.percent !== null && status.percent !== undefined && status.percent < 100);
    expect(withFigures.length).toBeGreaterThan(0);
    expect(withFigures[0]!.message).toMatch(/^llmman: pulling docker\.io\/ai\/smollm2:latest: \d+% \([\d.]+ MB of 270\.6 MB, [\d.]+ MB\/s\) [\d.]+ s$/);
    expect(statuses.at(-1)!.message).toMatch(/^llmman: pulled docker\.io\/ai\/smollm2:latest in [\d.]+ s$/);
    const listed = (await (await fetch(`${emu.baseUrl}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((model) => model.id)).toEqual(["docker.io/ai/smollm2:latest"]);
  });

  test("a failed pull is an error quoting llmman (escaped) and naming `llmman pull`", async () => {
    const emu = await emulator({ LLMMAN_EMU_PULL_FAIL: "resolve: docker.io/ai/nope:latest: not found\u001b[2J" });
    await expect(
      pullModel({ origin: emu.baseUrl, apiKey: "llmman", signal: AbortSignal.timeout(60_000) }, "docker.io/ai/nope:latest", () => undefined),
    ).rejects.toThrow(
      "llmman could not pull docker.io/ai/nope:latest: resolve: docker.io/ai/nope:latest: not found\\x1b[2J. Check the name (`llmman pull docker.io/ai/nope:latest` shows the same error).",
    );
  });
});

describe("llmman's error answers", () => {
  test("not stored names `llmman pull`; a failed load quotes llmman; busy is recognized", () => {
    expect(explainRefusal('404 "model not found: docker.io/ai/x:latest"', "x")).toBe(
      "llmman has no model x and could not get it (model not found: docker.io/ai/x:latest). Pull it with `llmman pull x`, or check the name with `llmman list`.",
    );
    expect(explainRefusal('500 "inference server on port 41000 exited before becoming ready: out of memory"', "qwen3.8")).toBe(
      "llmman could not load qwen3.8: inference server on port 41000 exited before becoming ready: out of memory",
    );
    expect(isBusy('503 "max loaded models (1) reached, and every loaded model is busy — try again"')).toBe(true);
    expect(explainRefusal('503 "max loaded models (1) reached, and every loaded model is busy — try again"', "m")).toMatch(/LLMMAN_MAX_LOADED_MODELS/);
    expect(explainRefusal("400 context overflow", "m")).toBe("llmman refused the request for m (HTTP 400): context overflow");
    expect(explainRefusal("Connection error.", "m")).toBe("Connection error.");
  });
});

describe("llmman model ids", () => {
  test("short names resolve as llmman resolves them, case-sensitive", () => {
    expect(canonicalRef("qwen3.5:0.8b")).toBe("docker.io/ai/qwen3.5:0.8b");
    expect(canonicalRef("gemma4")).toBe("docker.io/ai/gemma4:latest");
    expect(canonicalRef("unsloth/Qwen3.5-0.8B-GGUF")).toBe("hf.co/unsloth/Qwen3.5-0.8B-GGUF:latest");
    expect(canonicalRef("ai/gemma4")).toBe("hf.co/ai/gemma4:latest");
    expect(canonicalRef("docker.io/ai/qwen3.5:0.8b")).toBe("docker.io/ai/qwen3.5:0.8b");
    expect(canonicalRef("localhost/m")).toBe("localhost/m:latest");
    expect(canonicalRef("ghcr.io/o/m@sha256:abc")).toBe("ghcr.io/o/m@sha256:abc");
  });

  test("hybrid and provider refs are what llmman allows; paths, other sources and odd characters are refused", () => {
    expect(parseModelRef("llmman.hybrid/qwen3.8,openai/gpt-5.6-luna")).toEqual({ kind: "hybrid", local: "docker.io/ai/qwen3.8:latest", remote: "openai/gpt-5.6-luna" });
    expect(parseModelRef("llmman.provider/openai/gpt-5.6-luna")).toEqual({ kind: "provider", provider: "openai", model: "gpt-5.6-luna" });
    for (const ok of ["qwen3.5:0.8b", "hf.co/unsloth/Qwen3.5-0.8B-GGUF:Q4_K_M", "llmman.hybrid/qwen3.8,openai/gpt-5.6-luna"]) {
      expect(modelIdProblem(ok)).toBeUndefined();
    }
    const refused: Array<[string, RegExp]> = [
      ["", /is empty/],
      ["/home/me/model", /local path/],
      ["hf://o/r", /another source/],
      ["qwen 3", /whitespace/],
      ["a;rm", /characters llmman ids never have/],
      ["a,b", /only a llmman\.hybrid/],
      ["llmman.hybrid/qwen3.8", /not a hybrid ref/],
      ["llmman.provider/openai", /not of the form llmman\.provider/],
      ["o/../m", /"\.\." path segment/],
      ["-x", /starts with "-"/],
    ];
    for (const [id, why] of refused) expect(modelIdProblem(id)).toMatch(why);
  });
});
