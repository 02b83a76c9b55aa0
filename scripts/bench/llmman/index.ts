// The llmman figures of `npm run bench` (also alone: `npm run bench -- --only llmman`; `--no-cli`
// leaves out the CLI A/B, which takes many OpenClaw starts), their rows and their method text.
import type { Progress } from "../progress.ts";
import type { PairedRuns } from "../cli-run.ts";
import type { Row } from "../results.ts";
import { formatSummary } from "../stats.ts";
import { benchLlmmanCli, LLMMAN_CLI_ARGS, LLMMAN_CLI_RUNS, LLMMAN_CLI_STEPS } from "./cli-run.ts";
import { benchLlmmanColdStart, LLMMAN_COLD_STEPS, type LlmmanColdResult } from "./cold-start.ts";
import { benchLlmmanDiscovery, LLMMAN_DISCOVERY_STEPS, type LlmmanDiscoveryResult } from "./discovery.ts";
import { benchLlmmanFirstToken, LLMMAN_FIRST_TOKEN_STEPS, type LlmmanFirstTokenResult } from "./first-token.ts";

export type LlmmanResults = { discovery: LlmmanDiscoveryResult; firstToken: LlmmanFirstTokenResult; cold: LlmmanColdResult; cli: PairedRuns | undefined };

export const llmmanSteps = (cli: boolean) => LLMMAN_DISCOVERY_STEPS + LLMMAN_FIRST_TOKEN_STEPS + LLMMAN_COLD_STEPS + (cli ? LLMMAN_CLI_STEPS : 0);

export async function benchLlmman(progress: Progress, options: { cli: boolean }): Promise<LlmmanResults> {
  const discovery = await benchLlmmanDiscovery(progress);
  const firstToken = await benchLlmmanFirstToken(progress);
  const cold = await benchLlmmanColdStart(progress);
  const cli = options.cli ? await benchLlmmanCli(progress) : undefined;
  return { discovery, firstToken, cold, cli };
}

function cliRow(cli: PairedRuns | undefined): Row {
  const row = { key: "llmman-cli", figure: "llmman: `infer model run --local` wall time", target: "paired ratio ≤ 1.05 (median of pairs)" };
  if (!cli) return { ...row, plugin: "not measured in this run (--no-cli)", baseline: "OpenClaw's hand-written llmman block", comparison: "—", met: undefined };
  return {
    ...row,
    plugin: formatSummary(cli.plugin, "s"),
    baseline: `${formatSummary(cli.seed, "s")} (OpenClaw's hand-written llmman block, no plugin)`,
    comparison: `paired ratio ${formatSummary(cli.pairedRatio, "×", 3)}; ratio of medians ${cli.ratio.toFixed(3)}`,
    met: cli.pairedRatio.median <= 1.05,
  };
}

const signedMs = (value: number) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(1)} ms (medians)`;

export function llmmanRows(r: LlmmanResults): Row[] {
  return [
    cliRow(r.cli),
    {
      key: "llmman-discovery",
      figure: `llmman: discovery of ${r.discovery.models} stored models with their context`,
      plugin: formatSummary(r.discovery.ms, "ms"),
      baseline: `${formatSummary(r.discovery.daemonAloneMs, "ms")} (the same daemon answers fetched alone; the hand-written block lists models by hand)`,
      comparison:
        `plugin's share ${signedMs(r.discovery.ms.median - r.discovery.daemonAloneMs.median)}; the process's first discovery ` +
        `(${r.discovery.models} × /api/show) ${r.discovery.firstMs.toFixed(0)} ms, its requests alone ${r.discovery.firstDaemonAloneMs.toFixed(0)} ms (n=1)`,
      target: "≤ 50 ms",
      met: r.discovery.ms.median <= 50,
    },
    {
      key: "llmman-ttft",
      figure: "llmman: plugin's time added to the first token (loaded model)",
      plugin: formatSummary(r.firstToken.pluginTtftMs, "ms"),
      baseline: `${formatSummary(r.firstToken.hostTtftMs, "ms")} (host transport alone)`,
      comparison: `added ${formatSummary(r.firstToken.addedMs, "ms")} (plugin's own time before the request + first-token hold)`,
      target: "added ≤ 1 ms",
      met: r.firstToken.addedMs.median <= 1,
    },
    {
      key: "llmman-cold",
      figure: `llmman cold start (plugin owns the daemon, ${r.cold.loadMs / 1000} s load): model loaded (\`ready on port\`) → first token at the plugin`,
      plugin: formatSummary(r.cold.loadedToFirstTokenMs, "ms"),
      baseline: "—",
      comparison: `daemon listening → request sent ${formatSummary(r.cold.listeningToRequestMs, "ms")}`,
      target: "≤ 100 ms",
      met: r.cold.loadedToFirstTokenMs.median <= 100,
    },
  ];
}

export function llmmanMethod(r: LlmmanResults): string {
  return [
    `- **llmman \`infer model run\`**: \`openclaw ${LLMMAN_CLI_ARGS.join(" ")}\`, wall time of the whole CLI process, against one llmman emulator (tools/bin/llmman, seeded store, \`LLMMAN_KEEP_ALIVE=-1\`) the bench started,`,
    `  so the daemon is one the user runs (used as is). A: the packed plugin, config \`plugins.entries.inferrs.config = { llmman: { baseUrl } }\`. B: no plugin, the \`models.providers.llmman\` block of`,
    `  OpenClaw's docs/providers/llmman.md (tools/seed-provider-block.ts \`seedLlmmanBlock\`: apiKey \`llmman-local\` inlined, \`timeoutSeconds: 300\`, the model with \`reasoning: true\`, \`contextWindow: 65536\`).`,
    `  Same lean base config, checked identical outside the provider part; every run checked (exit 0, answer "2 + 2 = 4.", one chat request). One warm-up each (it loads the model), then ${r.cli ? r.cli.runs : LLMMAN_CLI_RUNS} runs each, interleaved.`,
    `- **llmman discovery**: \`discoverLlmmanModels(resolveLlmmanConfig({ baseUrl }), {}, { configured: true })\` in-process against an llmman emulator (a daemon the user runs) whose store holds`,
    `  ${r.discovery.models} chat models; each run checked: ${r.discovery.models} models, each with its trained context capped at llmman's 262144. The process's first discovery asks GET /v1/models, /api/ps,`,
    `  /api/version, /api/tags and ${r.discovery.models} × POST /api/show (8 at a time); later ones (the row: a gateway's refreshes) keep each /api/show answer per manifest digest and ask only the first four.`,
    `  5 warm-ups, ${r.discovery.ms.n} runs; each run is followed by the same requests sent with plain \`fetch\` (the baseline: what the emulator itself takes to answer them).`,
    `- **llmman first token**: \`createLlmmanStreamWrapper\` (src/llmman/request/stream.ts) with a real \`LlmmanDaemons\` that started the emulator, around OpenClaw's \`streamSimple\`, after warm requests`,
    `  (model listed and loaded, so the request asks nothing first); added = the plugin's time before it calls the host transport (${formatSummary(r.firstToken.preRequestMs, "ms")}) + its hold on the first token`,
    `  (${formatSummary(r.firstToken.holdMs, "ms")}); the host transport alone runs interleaved as the reference. ${r.firstToken.runs} rounds after 2 warm-ups.`,
    `- **llmman cold start**: a fresh \`LlmmanDaemons\` per repetition with \`service.command\` = tools/bin/llmman and \`LLMMAN_EMU_LOAD_MS=${r.cold.loadMs}\`, no daemon running, a stored unloaded model; one request`,
    `  through the wrapper and the host transport. llmman loads the model inside the chat request, so the request is sent before the load (sent → \`ready on port\`: ${formatSummary(r.cold.requestToLoadedMs, "ms")});`,
    `  the row runs from llmman's \`[llmman] <ref> ready on port <p>\` line (as it reaches the plugin through the lease's log relay) to the first text token at the plugin's consumer.`,
    `  The comparison column is the plugin's start path: \`llmman serve listening on\` (start progress) → the chat request handed to the host transport. ${r.cold.loadedToFirstTokenMs.n} repetitions.`,
  ].join("\n");
}
