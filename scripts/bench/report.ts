// Prints the results table and writes docs/benchmarks.md: table, machine, date, rerun command,
// where the time goes, and for each missed target the cause found and the fix recommended.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Machine } from "./machine.ts";
import { PROFILED_FUNCTIONS } from "./cli-run.ts";
import { metText, type Results, type Row } from "./results.ts";
import { IMPORT_TARGET_RATIO } from "./plugin-load.ts";
import { formatSummary } from "./stats.ts";

export const RERUN = "npm run bench";

export type RunInfo = {
  date: string;
  durationS: number;
  loadBefore: number;
  loadAfter: number;
  leftovers: string[];
};

const COLUMNS = ["Figure", "Plugin", "Baseline", "Ratio / added", "Target", "Met?"] as const;

function cells(row: Row): string[] {
  return [row.figure, row.plugin, row.baseline, row.comparison, row.target, metText(row.met)];
}

export function printTable(rows: Row[]): string {
  const table = [COLUMNS as readonly string[], ...rows.map(cells)];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const line = (values: readonly string[]) => values.map((value, i) => value.padEnd(widths[i]!)).join(" │ ");
  return [line(table[0]!), widths.map((w) => "─".repeat(w)).join("─┼─"), ...table.slice(1).map(line)].join("\n");
}

export function markdownTable(rows: Row[]): string {
  const escape = (value: string) => value.replaceAll("|", "\\|");
  return [
    `| ${COLUMNS.join(" | ")} |`,
    `|${COLUMNS.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(" | ")} |`),
  ].join("\n");
}

const ms = (value: number) => `${value.toFixed(value >= 10 ? 1 : value >= 0.1 ? 2 : 3)} ms`;

function whereTheTimeGoes(r: Results): string {
  const b = r.streaming.breakdown;
  const t = r.discovery.thousand;
  const c = r.coldStart;
  const cli = r.cli;
  const load = cli.pluginLoad;
  const pre = r.streaming.paths.plugin.preRequestMs;
  const noProbe = r.streaming.paths["plugin-noprobe"];
  return [
    `\`infer model run\`, from a CPU profile of each variant's warm-up run (node --cpu-prof, main thread; time with the function on the stack, its synchronous file I/O included):`,
    "",
    `| | plugin | seed block |`,
    `|---|---|---|`,
    `| profiled run, wall time | ${ms(cli.profiles.plugin.wallMs)} | ${ms(cli.profiles.seed.wallMs)} |`,
    ...PROFILED_FUNCTIONS.map((name) => `| \`${name}\` | ${ms(cli.profiles.plugin.inside[name]!)} | ${ms(cli.profiles.seed.inside[name]!)} |`),
    "",
    `\`loadPluginModule\` loads one plugin's entry module; \`capturePluginGenerationArtifact\` (inside it) copies the plugin package and its installed runtime dependencies before loading them. ` +
      `What npm installed for the plugin: ${cli.footprint.files.toLocaleString("en-US")} files, ${(cli.footprint.bytes / 2 ** 20).toFixed(1)} MiB — ` +
      cli.footprint.byPackage.slice(0, 4).map((pkg) => `${pkg.name} ${pkg.files.toLocaleString("en-US")} files`).join(", ") +
      (cli.footprint.byPackage.length > 4 ? `, ${cli.footprint.byPackage.length - 4} more packages.` : "."),
    "",
    `Importing the installed plugin (${load.pluginDir.replace(/^.*\/state\//, "<state>/")}/dist/index.js), ${load.pluginMs.n} runs each side, interleaved (the order alternating per run), each in a fresh Node 24 ` +
      `that first imported ${load.sharedModules.map((file) => `\`${file}\``).join(", ")} (the SGLang entry's imports that are OpenClaw's shared code; its own defaults chunk stays on its side): ` +
      `plugin ${formatSummary(load.pluginMs, "ms")}, SGLang ${formatSummary(load.sglangMs, "ms")}. ` +
      `Libraries the plugin import evaluated (files loaded, by esbuild's \`node_modules/<package>\` markers): ${load.librariesEvaluated.length ? load.librariesEvaluated.join(", ") : "none"}. ` +
      `The same import into a bare Node 24 (no OpenClaw code loaded first): ${formatSummary(load.bareMs, "ms")}.`,
    "",
    `From the answer on stdout to the process exit: ${formatSummary(cli.exitLagMs.plugin, "ms")} with the plugin, ${formatSummary(cli.exitLagMs.seed, "ms")} without.`,
    "",
    "Request path, against the same running emulator:",
    "",
    `- plugin work before the host transport is called (loadConfig + Supervisor.acquire + hand-over), in the measured requests: ${pre ? formatSummary(pre, "ms") : "n/a"}`,
    `  - \`Supervisor.acquire()\` in those same requests: ${formatSummary(r.streaming.inSituAcquireMs, "ms")}`,
    `- first token held by the wrapper (inner transport yields it → plugin consumer gets it): ${formatSummary(r.streaming.firstTokenHoldMs, "ms")}`,
    `- what-if, the recommended fix: the same wrapper with a Supervisor stand-in whose acquire() resolves at once (a cached readiness verdict): ` +
      `work before the request ${noProbe.preRequestMs ? formatSummary(noProbe.preRequestMs, "ms") : "n/a"}, added to the first token ${formatSummary(r.streaming.addedTtftNoProbeMs, "ms")}`,
    `- cross-check, end to end (plugin minus host transport time to first token, paired by round; the host transport alone varies by several ms run to run): ` +
      `${formatSummary(r.streaming.pairedTtftDiffMs, "ms")} with the real Supervisor, ${formatSummary(r.streaming.pairedTtftDiffNoProbeMs, "ms")} with the stand-in`,
    "",
    "The same parts timed on their own, back to back (50 reps):",
    "",
    `- \`resolveConfig\` (TypeBox validate + defaults, done per request by \`configLoader\`): ${formatSummary(b.resolveConfigMs, "ms")}`,
    `- \`Supervisor.acquire()\` + release on a ready server: ${formatSummary(b.acquireMs, "ms")}`,
    `  - of which \`probeServer\` (GET /health, then GET /v1/models): ${formatSummary(b.probeServerMs, "ms")}`,
    `  - GET /health alone: ${formatSummary(b.probeHealthMs, "ms")}; GET /v1/models alone: ${formatSummary(b.listModelsMs, "ms")}`,
    `- time to first token, host transport alone: ${formatSummary(r.streaming.paths.host.ttftMs, "ms")}; direct undici + eventsource-parser: ${formatSummary(r.streaming.paths.direct.ttftMs, "ms")} (the emulator waits ${r.streaming.tokenDelayMs} ms before the first token too)`,
    "",
    "Discovery of 1,000 models, parts timed on their own (50 reps):",
    "",
    `- parse + validate the 1,000-entry body: ${formatSummary(t.parseMs, "ms")}`,
    `- one listing of the (empty) HF cache + 1,000 × \`modelEntryFor\`, as \`discoverModels\` does it: ${formatSummary(t.entriesMs, "ms")}`,
    `- 1,000 × \`buildModelEntry\` without touching the disk: ${formatSummary(t.entriesNoFsMs, "ms")}`,
    "",
    `Cold start (${c.loadMs} ms emulated load, ${c.spawnToReadyMs.n} starts):`,
    "",
    `- spawn → model Ready: ${formatSummary(c.spawnToReadyMs, "ms")} (process start + load)`,
    `- cross-check with a ${c.pollMs} ms /health poller in the bench: poller saw 200 → request sent ${formatSummary(c.pollerToRequestMs, "ms")}; the poller saw the 200 ${formatSummary(c.pollerLagMs, "ms")} after the Ready log line`,
    `- 10 concurrent first requests: Ready → the last of the 10 sent ${formatSummary(c.concurrentLastMs, "ms")} (they are served one after another through the Supervisor's queue, each re-probing the server)`,
  ].join("\n");
}

/** Cause and fix for each missed target, from the measurements. */
export function findings(rows: Row[], r: Results): string[] {
  const out: string[] = [];
  const missed = new Set(rows.filter((row) => row.met === false).map((row) => row.key));
  const b = r.streaming.breakdown;
  {
    const cli = r.cli;
    const load = cli.pluginLoad;
    const loadModule = cli.profiles.plugin.inside.loadPluginModule ?? 0;
    const noise = `(paired ratios ${cli.pairedRatio.min.toFixed(3)}–${cli.pairedRatio.max.toFixed(3)}; the baseline alone spans ${cli.seed.min.toFixed(1)}–${cli.seed.max.toFixed(1)} s)`;
    const profile = `In the profiled runs \`loadPluginModule\` took ${ms(loadModule)} with the plugin and ${ms(cli.profiles.seed.inside.loadPluginModule ?? 0)} without; ` +
      `${ms(Math.max(0, cli.exitLagMs.plugin.median - cli.exitLagMs.seed.median))} of the difference comes after the answer is printed (exit ${ms(cli.exitLagMs.plugin.median)} after it, ${ms(cli.exitLagMs.seed.median)} without the plugin).`;
    out.push(
      missed.has("cli")
        ? `**\`infer model run\` paired ratio ${cli.pairedRatio.median.toFixed(3)} (target ≤ 1.05).** The plugin run took ${(cli.plugin.median - cli.seed.median).toFixed(2)} s more at the median. ` +
            `Not the request path (milliseconds, see the streaming rows) nor the plugin import (${ms(load.pluginMs.median)}). ${profile} Run-to-run noise on this machine ${noise}: rerun when it is idle.`
        : `\`infer model run\` meets its target (paired ratio ${cli.pairedRatio.median.toFixed(3)}, ratio of medians ${cli.ratio.toFixed(3)}) ${noise}. ${profile}`,
    );
    const importHead = missed.has("import")
      ? `**Plugin import ratio ${load.ratio.toFixed(2)} (target ≤ ${IMPORT_TARGET_RATIO}).**`
      : `The plugin import meets its target (ratio ${load.ratio.toFixed(2)}, paired ${load.pairedRatio.median.toFixed(2)}).`;
    out.push(
      `${importHead} OpenClaw imports every enabled plugin in every command. dist/index.js holds only the plugin's own modules; TypeBox, undici, execa and p-retry each sit in a chunk of dist/chunks/ ` +
        `that is imported where it is first needed (the config validator on the first hook that needs the config, undici on the first HTTP request, p-retry and execa on the first start), ` +
        `and register() evaluates none of them; the import evaluated: ${load.librariesEvaluated.length ? load.librariesEvaluated.join(", ") : "no library"}. ` +
        `Before, the one-file bundle evaluated all four at import: about 130 ms in a fresh Node (ratio about 7 against the SGLang entry).` +
        (missed.has("import")
          ? ` What remains is loading ${ms(load.pluginMs.median)} of the plugin's own code (the entry and two small shared chunks, read from a package OpenClaw has not touched yet) against ${ms(load.sglangMs.median)} for SGLang's entry inside OpenClaw's own, already-loaded package; the spread (plugin ${ms(load.pluginMs.min)}–${ms(load.pluginMs.max)}) shows the machine's load.`
          : ""),
    );
  }
  if (missed.has("ttft")) {
    const st = r.streaming;
    const pre = st.paths.plugin.preRequestMs?.median ?? Number.NaN;
    out.push(
      `**Time to first token +${ms(st.addedTtftMs.median)} (target ≤ 1 ms).** Cause: before every request the plugin spends ${ms(pre)} (median) before it calls the host transport, ` +
        `and ${ms(st.inSituAcquireMs.median)} of that is \`Supervisor.acquire()\` → \`ensureServing()\` → \`probeServer()\`, which asks a server it already knows to be ready two HTTP ` +
        `questions on every request: GET /health and GET /v1/models (the emulator lists its HF cache for it); back to back, \`acquire()\` takes ${ms(b.acquireMs.median)} ` +
        `(/health ${ms(b.probeHealthMs.median)}, /v1/models ${ms(b.listModelsMs.median)}), more inside real requests, after the connection sat idle while a stream ran. ` +
        `\`resolveConfig\` per request costs ${ms(b.resolveConfigMs.median)}; the first token is held ${ms(st.firstTokenHoldMs.median)}. The stream itself is not slowed (per-token rows). ` +
        `Fix recommended (src/inferrs/pool/supervisor.ts): (1) when the Supervisor owns the server, its process is running and it was ready serving the requested model, skip \`probeServer\` ` +
        `(the process exit event already tells a crash, and \`crashOfServedProcess\` explains a cut stream); (2) for a server the user runs, keep the verdict "ready, serves M" per origin for a ` +
        `short time (e.g. 5 s) and drop it when a request fails to connect. Evidence: the same wrapper with a Supervisor stand-in that leases at once spent ` +
        `${st.paths["plugin-noprobe"].preRequestMs ? ms(st.paths["plugin-noprobe"].preRequestMs.median) : "n/a"} before the request and added ${ms(st.addedTtftNoProbeMs.median)} to the first token. ` +
        `End to end (plugin minus host transport, paired by round) the gap was ${ms(st.pairedTtftDiffMs.median)} with the real Supervisor and ${ms(st.pairedTtftDiffNoProbeMs.median)} with the stand-in; ` +
        `those end-to-end figures carry several ms of run-to-run noise (p10–p90 ${ms(st.pairedTtftDiffMs.p10)} to ${ms(st.pairedTtftDiffMs.p90)}).`,
    );
  }
  {
    const t = r.discovery.thousand;
    const thousand = r.discovery.cases.find((c) => c.key === "thousand")!;
    out.push(
      `${missed.has("discovery-thousand") ? `**Discovery of 1,000 models ${ms(thousand.ms.median)}** (target ≤ 50 ms).` : `Discovery of 1,000 models meets its target (${ms(thousand.ms.median)}).`} ` +
        `\`discoverModels\` lists the HF cache once and reads config.json only for cached ids: the 1,000 model entries take ${formatSummary(t.entriesMs, "ms")} with that one listing, ` +
        `${formatSummary(t.entriesNoFsMs, "ms")} without touching the disk, and parsing the body ${ms(t.parseMs.median)}` +
        `${missed.has("discovery-thousand") ? "; the rest is the HTTP exchange and the machine's load — rerun on an idle machine." : "."} ` +
        `(Before, each listed id failed a \`readdirSync\` of its own: about 18 ms for 1,000 ids.)`,
    );
  }
  for (const key of ["discovery-one", "discovery-one-seeded", "discovery-down"]) {
    if (!missed.has(key)) continue;
    const row = rows.find((candidate) => candidate.key === key)!;
    out.push(
      `**${row.figure}: ${row.plugin}** (target ${row.target}). No plugin cause found: the p10 is far below the target and the parts are sub-millisecond ` +
        `(parse ${formatSummary(r.discovery.thousand.parseMs, "ms")} for 1,000 entries); the median was pushed up by other load on this 2-core machine (see the load average). Rerun on an idle machine.`,
    );
  }
  if (missed.has("discovery-hang")) {
    const row = rows.find((candidate) => candidate.key === "discovery-hang")!;
    out.push(`**${row.figure}: ${row.plugin}** differs from the timeout by more than 5%: the timeout in src/inferrs/discovery/server-models.ts is not what bounds the wait; investigate.`);
  }
  if (missed.has("lag") || missed.has("gaps") || missed.has("rate")) {
    out.push(
      `**Streaming per-token figures** missed: wrapper lag ${formatSummary(r.streaming.wrapperLagMs, "ms")}, gaps plugin ${formatSummary(r.streaming.paths.plugin.gapMs, "ms")} vs host ${formatSummary(r.streaming.paths.host.gapMs, "ms")}. ` +
        `Each event is pushed on as soon as the inner stream yields it (\`for await … out.push(await explainFailure(…))\` in src/request/wrap-stream.ts); a miss here points at event-loop contention, not buffering — rerun on an idle machine.`,
    );
  }
  if (missed.has("cold")) {
    out.push(
      `**Cold start Ready → request ${formatSummary(r.coldStart.readyToRequestMs, "ms")}** (target ≤ 100 ms). Cause: \`waitForHealth\` (src/inferrs/server/readiness.ts) backs off to one /health poll every ` +
        `100 ms (POLL_MAX_MS), so readiness is seen on average 50 ms and at worst 100 ms + one request late. Fix recommended: POLL_MAX_MS 25 (4 small requests a second during a load).`,
    );
  }
  if (missed.has("spawns")) {
    out.push(`**Concurrent first requests spawned ${r.coldStart.spawns.join(", ")} servers.** \`Supervisor.acquire\` must serialise \`ensureServing\`; investigate the queue in src/inferrs/pool/supervisor.ts.`);
  }
  return out;
}

export function writeReport(path: string, rows: Row[], r: Results, machine: Machine, info: RunInfo): void {
  const s = r.streaming;
  const missedAny = rows.some((row) => row.met === false);
  const doc = `# Benchmarks

Measured by \`${RERUN}\` (scripts/bench.ts) against the project's inferrs emulator (tools/emulator), on ${info.date} (the llmman rows: their own section below).
Every figure is a median with its spread in brackets: min–max for 10 runs or fewer, p10–p90 above that; \`n\` is the number of measured runs after warm-up.

${markdownTable(rows)}

## How each figure is measured

- **\`infer model run\`**: \`openclaw infer model run --local --model inferrs/google/gemma-4-E2B-it --prompt "What is 2 + 2?" --json\`, wall time of the whole CLI process.
  A: the packed plugin installed with \`openclaw plugins install npm-pack:\` into an isolated OpenClaw, config \`plugins.entries.inferrs = { enabled: true, config: { baseUrl } }\` and nothing else.
  B: an isolated OpenClaw without the plugin, with the seed doc's hand-written \`models.providers.inferrs\` block (same baseUrl, \`compat.requiresStringContent\`).
  Both configs are the lean base of tools/openclaw-host.ts and are checked to be identical apart from the provider part. Both point at one emulator the bench started and loaded beforehand,
  so no start-up is measured; every run is checked (exit 0, answer "2 + 2 is 4.", exactly one chat request seen by the emulator). One warm-up each (CPU-profiled, not measured), then ${r.cli.runs} runs each, interleaved A, B, A, B; the target judges the median of the ${r.cli.runs} per-pair ratios A/B.
- **Plugin import**: the installed plugin's dist/index.js versus \`openclaw/dist/extensions/sglang/index.js\` (OpenClaw's bundled SGLang provider plugin, the same kind of plugin), each run in a fresh Node 24
  that has first imported the SGLang entry's imports that are OpenClaw's shared code, so neither side pays for OpenClaw itself; \`await import(entry)\` timed with \`performance.now()\`.
  ${r.cli.pluginLoad.pluginMs.n} runs each, interleaved, the order alternating per run; the target judges the ratio of the medians.
- **Discovery**: \`discoverModels(resolveConfig({ baseUrl }), { HF_HOME })\` in-process, 5 warm-ups then 50 runs (5 for the hanging server), against in-process servers answering a pre-serialized
  \`/v1/models\` list (1 or 1,000 entries), a free port (connection refused) and a TCP server that accepts and never answers. HF_HOME is an empty dir unless the row says "seeded"
  (the 5 models of tools/emulator/hf-cache.ts).
- **Streaming**: one emulator with \`INFERRS_EMU_TOKEN_DELAY_MS=${s.tokenDelayMs}\` and an \`INFERRS_EMU_ANSWER\` of ${s.paths.plugin.tokens} tokens. Four paths, interleaved per round, 2 warm-up rounds then ${s.runs} rounds:
  *plugin* = \`createStreamWrapper\` (src/request/wrap-stream.ts) with a real \`Supervisor\` and the plugin's \`configLoader\`, around OpenClaw's own \`streamSimple\`
  (from \`.host/node_modules/openclaw/dist/plugin-sdk/llm.js\`, after installing the host's AI transport adapter as the CLI does);
  *what-if* = the same wrapper with a Supervisor stand-in whose \`acquire()\` resolves at once (what the recommended fix would give);
  *host* = the same \`streamSimple\` alone; *direct* = undici + eventsource-parser on the raw SSE (the floor).
  Time to first token runs from the call to the first \`text_delta\`; tokens/s from the first to the last \`text_delta\`. What the plugin adds to the first token is measured
  inside each plugin request — its time before it calls the host transport plus its hold on the first token — because the host transport alone varies by several ms from run to run;
  the end-to-end paired difference is given as a cross-check. The "added per token" row times each event from the moment the
  host transport's iterator yields it to the moment the plugin's consumer receives it (same event object), so it is exactly the wrapper's cost per token.
- **Cold start**: a fresh \`Supervisor\` per repetition, \`service.command\` = tools/bin/inferrs with \`INFERRS_EMU_LOAD_MS=${r.coldStart.loadMs}\`, no server running. The request goes through
  \`createStreamWrapper\` with a stand-in transport that notes when it is called (the moment the real transport would send the request). The moment the model became Ready is the emulator's own
  \`Engine loop started\` log line (µs timestamps; /health turns 200 right after it), read from the server output the Supervisor keeps; a ${r.coldStart.pollMs} ms /health poller in the bench cross-checks it.
  ${r.coldStart.spawns.length} repetitions with one request and ${r.coldStart.spawns.length} with 10 concurrent first requests (spawn count from \`Supervisor.status().spawns\`).
- **Model pool**: a fresh \`Supervisor\` per run with \`service.maxServers\` 1 or 2 and \`INFERRS_EMU_LOAD_MS=${r.pool.loadMs}\`; ${r.pool.requests} requests alternate two models, each holding
  its lease for ${r.pool.requestMs} ms as a short answer does, one after another (*sequential*, a conversation switching models) or all at once (*concurrent*). Spawns come from
  \`Supervisor.status().spawns\`; wall time runs from the first request to the last release.

## Where the time goes

${whereTheTimeGoes(r)}

## Findings

${missedAny ? "" : "Every target is met.\n\n"}${findings(rows, r).map((text) => `- ${text}`).join("\n")}

## Machine

- CPU: ${machine.cpu}, ${machine.cores} cores; RAM ${machine.ramGiB} GiB
- OS: ${machine.os}
- Node ${machine.node}; OpenClaw ${machine.openclaw} (pinned in .host/)
- Plugin source: commit ${machine.commit}
- 1-minute load average: ${info.loadBefore.toFixed(2)} before, ${info.loadAfter.toFixed(2)} after (other work on the machine adds noise; interleaving spreads it over both sides)
- The whole bench took ${(info.durationS / 60).toFixed(1)} min; processes left running afterwards: ${info.leftovers.length === 0 ? "none" : info.leftovers.join("; ")}

## Rerun

\`\`\`sh
${RERUN}
\`\`\`

It builds the plugin, packs it, prints progress on stderr and the table on stdout, rewrites this file, and stops every process it started (also on errors).
`;
  // The test suite's figures are measured by hand (see that section), not by the bench: kept as they are.
  const testSuite = existsSync(path) ? (/\n## Test suite\n[\s\S]*$/.exec(readFileSync(path, "utf8"))?.[0] ?? "") : "";
  writeFileSync(path, doc + testSuite);
}
