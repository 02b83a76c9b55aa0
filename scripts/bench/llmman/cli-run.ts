// `infer model run --local --model llmman/qwen3.5:0.8b` with the plugin (plugin config: llmman.baseUrl
// only) versus OpenClaw's hand-written llmman block from docs/providers/llmman.md in an OpenClaw
// without the plugin, both against one llmman emulator the bench started (a daemon the user runs:
// the plugin uses it as is), interleaved after a warm-up each (the warm-up loads the model).
import { startLlmmanEmulator } from "../../../tools/emulator/llmman/harness.ts";
import { OpenClawHost } from "../../../tools/openclaw-host.ts";
import { seedLlmmanBlock } from "../../../tools/seed-provider-block.ts";
import { pairedCliRuns, pairedSteps, PROMPT, type PairedRuns } from "../cli-run.ts";
import { onCleanup, startedPids } from "../processes.ts";
import type { Progress } from "../progress.ts";
import { LLMMAN_MODEL } from "./wrapper.ts";

export const LLMMAN_CLI_RUNS = 5;
export const LLMMAN_CLI_ARGS = ["infer", "model", "run", "--local", "--model", `llmman/${LLMMAN_MODEL}`, "--prompt", PROMPT, "--json"];
export const LLMMAN_CLI_STEPS = 2 + pairedSteps(LLMMAN_CLI_RUNS);

export async function benchLlmmanCli(progress: Progress): Promise<PairedRuns> {
  progress.step("llmman infer model run: starting the llmman emulator (seeded store)");
  const emulator = await startLlmmanEmulator({ env: { LLMMAN_KEEP_ALIVE: "-1" } });
  startedPids.add(emulator.pid);
  onCleanup(() => emulator.stop());
  progress.step("llmman infer model run: installing the packed plugin into an isolated OpenClaw");
  const host = await OpenClawHost.create();
  onCleanup(() => host.dispose());
  const chats = () => emulator.requests().filter((entry) => entry.event === "request" && entry.path === "/v1/chat/completions").length;
  const baseUrl = `${emulator.baseUrl}/v1`;
  try {
    return await pairedCliRuns(
      progress,
      host,
      {
        args: LLMMAN_CLI_ARGS,
        answer: "2 + 2 = 4.",
        runs: LLMMAN_CLI_RUNS,
        profile: false,
        pluginConfig: { llmman: { baseUrl } },
        seedModels: seedLlmmanBlock(baseUrl, LLMMAN_MODEL),
        seedLabel: "OpenClaw's hand-written llmman block",
      },
      chats,
    );
  } finally {
    await host.dispose();
    await emulator.stop();
  }
}
