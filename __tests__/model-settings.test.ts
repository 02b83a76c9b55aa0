// Per-model server settings (models.<id>.args/env/idleStopMs) and reading a start's phase from
// inferrs' own output.
import { mergeFlags, modelSettings } from "../src/config/model-settings.ts";
import { resolveConfig } from "../src/config/resolve.ts";
import { modelEntryFor } from "../src/inferrs/discovery/model-entry.ts";
import { describeProgress, readPhase } from "../src/inferrs/server/load-progress.ts";
import { OutputTail } from "../src/service/output-tail.ts";

const GEMMA = "google/gemma-4-E2B-it";

describe("per-model settings", () => {
  test("a model's args come after service.args and replace the flags it sets again (clap refuses repeats)", () => {
    expect(
      mergeFlags(["--max-seq-len", "8192", "--paged-attention", "--turbo-quant=4", "--dtype", "f32"], ["--max-seq-len=2048", "--turbo-quant=false"]),
    ).toEqual(["--paged-attention", "--dtype", "f32", "--max-seq-len=2048", "--turbo-quant=false"]);
    expect(mergeFlags(["--paged-attention", "--dtype", "f16"], ["--paged-attention=0.5"])).toEqual(["--dtype", "f16", "--paged-attention=0.5"]);
  });

  test("env adds to service.env and idleStopMs overrides service.idleStopMs, for that model only", () => {
    const config = resolveConfig({
      service: { env: { A: "1", B: "2" }, idleStopMs: 1000 },
      models: { [GEMMA]: { env: { B: "3" }, idleStopMs: 0 } },
    });
    expect(modelSettings(config, GEMMA)).toEqual({ args: [], env: { A: "1", B: "3" }, idleStopMs: 0 });
    expect(modelSettings(config, "Qwen/Qwen3-0.6B")).toEqual({ args: [], env: { A: "1", B: "2" }, idleStopMs: 1000 });
  });

  test("contextWindow follows the model's own --max-seq-len", () => {
    const config = resolveConfig({
      service: { args: ["--max-seq-len", "8192"] },
      models: { [GEMMA]: { args: ["--max-seq-len", "2048"] } },
    });
    expect(modelEntryFor(GEMMA, config, "/nonexistent").contextWindow).toBe(2048);
    expect(modelEntryFor("Qwen/Qwen3-0.6B", config, "/nonexistent").contextWindow).toBe(8192);
  });
});

describe("load progress", () => {
  test("the phase is read from inferrs' newest step line, with a percentage where it prints one", () => {
    const output = new OutputTail();
    expect(readPhase(output)).toEqual({ phase: "starting", percent: null });
    output.push("INFO inferrs::server: Server listening on 127.0.0.1:8080\nINFO inferrs: Using CPU device\n");
    expect(readPhase(output).phase).toBe("starting");
    output.push("INFO inferrs::hub: Downloading model Qwen/Qwen3-0.6B (revision: main)\nmodel.safetensors  37%\n");
    expect(readPhase(output)).toEqual({ phase: "download", percent: 37 });
    output.push("INFO inferrs::hub: Quantizing model to Q4K…\n");
    expect(readPhase(output)).toEqual({ phase: "quantize", percent: null });
    output.push("INFO inferrs::engine: Detected architecture: Qwen3\n");
    expect(readPhase(output).phase).toBe("load");
  });

  test("progress lines name the model, port, phase, percentage and elapsed time", () => {
    const base = { model: GEMMA, port: 8080, percent: null };
    expect(describeProgress({ ...base, phase: "starting", elapsedMs: 3 })).toBe(`inferrs: starting ${GEMMA} on port 8080`);
    expect(describeProgress({ ...base, phase: "download", percent: 42, elapsedMs: 4000 })).toBe(
      `inferrs: loading ${GEMMA} on port 8080: download, 42%, 4.0 s`,
    );
    expect(describeProgress({ ...base, phase: "ready", elapsedMs: 65_400 })).toBe(`inferrs: ${GEMMA} ready on port 8080 after 65 s`);
  });
});
