// Turns the measurements into the rows of the results table (figure, plugin, baseline,
// ratio/added, target, met?), judged on medians.
import type { CliResult } from "./cli-run.ts";
import type { ColdStartResult } from "./cold-start.ts";
import type { DiscoveryResult } from "./discovery.ts";
import type { PoolResult } from "./pool.ts";
import { IMPORT_TARGET_RATIO } from "./plugin-load.ts";
import { formatSummary, precisionFor } from "./stats.ts";
import type { StreamingResult } from "./streaming.ts";

export type Row = {
  figure: string;
  plugin: string;
  baseline: string;
  comparison: string;
  target: string;
  /** undefined: informative row, no target. */
  met: boolean | undefined;
  /** Key of the finding that explains a miss. */
  key: string;
};

export type Results = {
  cli: CliResult;
  discovery: DiscoveryResult;
  streaming: StreamingResult;
  coldStart: ColdStartResult;
  pool: PoolResult;
};

const signed = (value: number, unit: string) => `${value >= 0 ? "+" : "−"}${Math.abs(value).toFixed(precisionFor(value))} ${unit}`;

export function buildRows(r: Results): Row[] {
  const rows: Row[] = [];
  rows.push({
    key: "cli",
    figure: "`infer model run --local` wall time",
    plugin: formatSummary(r.cli.plugin, "s"),
    baseline: `${formatSummary(r.cli.seed, "s")} (seed provider block, no plugin)`,
    comparison: `paired ratio ${formatSummary(r.cli.pairedRatio, "×", 3)}; ratio of medians ${r.cli.ratio.toFixed(3)}`,
    target: "paired ratio ≤ 1.05 (median of pairs)",
    met: r.cli.pairedRatio.median <= 1.05,
  });
  const load = r.cli.pluginLoad;
  rows.push({
    key: "import",
    figure: "Plugin import after OpenClaw's shared code (fresh Node 24 each run)",
    plugin: formatSummary(load.pluginMs, "ms"),
    baseline: `${formatSummary(load.sglangMs, "ms")} (OpenClaw's bundled SGLang plugin entry)`,
    comparison: `ratio ${load.ratio.toFixed(2)} (paired runs: ${formatSummary(load.pairedRatio, "×", 2)})`,
    target: `ratio ≤ ${IMPORT_TARGET_RATIO}`,
    met: load.ratio <= IMPORT_TARGET_RATIO,
  });
  for (const c of r.discovery.cases) {
    const exact = c.target.exact;
    rows.push({
      key: `discovery-${c.key}`,
      figure: `Discovery: ${c.label}`,
      plugin: formatSummary(c.ms, "ms"),
      baseline: "—",
      comparison: exact ? signed(c.ms.median - c.target.ms, "ms vs timeout") : "—",
      target: exact ? `= ${c.target.ms} ms (±5%)` : `≤ ${c.target.ms} ms`,
      met: exact ? Math.abs(c.ms.median - c.target.ms) <= c.target.ms * 0.05 : c.ms.median <= c.target.ms,
    });
  }
  const s = r.streaming;
  rows.push({
    key: "ttft",
    figure: "Streaming: time to first token",
    plugin: formatSummary(s.paths.plugin.ttftMs, "ms"),
    baseline: `${formatSummary(s.paths.host.ttftMs, "ms")} (host transport alone)`,
    comparison: `added ${formatSummary(s.addedTtftMs, "ms")} (plugin's own time before the request + first-token hold)`,
    target: "added ≤ 1 ms",
    met: s.addedTtftMs.median <= 1,
  });
  const rateRatio = s.paths.plugin.tokensPerS.median / s.paths.host.tokensPerS.median;
  rows.push({
    key: "rate",
    figure: `Streaming: tokens/s (${s.paths.plugin.tokens} tokens, emulator ${s.tokenDelayMs} ms/token)`,
    plugin: formatSummary(s.paths.plugin.tokensPerS, "tok/s"),
    baseline: `${formatSummary(s.paths.host.tokensPerS, "tok/s")} (host transport alone)`,
    comparison: `ratio ${rateRatio.toFixed(3)}`,
    target: "ratio ≥ 0.95",
    met: rateRatio >= 0.95,
  });
  rows.push({
    key: "lag",
    figure: "Streaming: added per token (inner transport yield → plugin consumer)",
    plugin: formatSummary(s.wrapperLagMs, "ms"),
    baseline: "0 (host transport alone)",
    comparison: `added ${signed(s.wrapperLagMs.median, "ms")}`,
    target: "≤ 0.1 ms, no buffering",
    met: s.wrapperLagMs.median <= 0.1,
  });
  const gapDelta = s.paths.plugin.gapMs.median - s.paths.host.gapMs.median;
  rows.push({
    key: "gaps",
    figure: "Streaming: gap between token events",
    plugin: formatSummary(s.paths.plugin.gapMs, "ms"),
    baseline: `${formatSummary(s.paths.host.gapMs, "ms")} (host transport alone)`,
    comparison: `median ${signed(gapDelta, "ms")}`,
    target: `≈ emulator delay (${s.tokenDelayMs} ms + timer slack), same as host ±0.5 ms`,
    met: Math.abs(gapDelta) <= 0.5,
  });
  rows.push({
    key: "floor",
    figure: "Streaming floor: undici + eventsource-parser, time to first token / tokens/s",
    plugin: "—",
    baseline: `${formatSummary(s.paths.direct.ttftMs, "ms")} / ${formatSummary(s.paths.direct.tokensPerS, "tok/s")}`,
    comparison: `plugin ${signed(s.paths.plugin.ttftMs.median - s.paths.direct.ttftMs.median, "ms")} to first token`,
    target: "— (floor)",
    met: undefined,
  });
  const c = r.coldStart;
  rows.push({
    key: "cold",
    figure: `Cold start (${c.loadMs / 1000} s load): model Ready → request sent`,
    plugin: formatSummary(c.readyToRequestMs, "ms"),
    baseline: "—",
    comparison: "—",
    target: "≤ 100 ms",
    met: c.readyToRequestMs.median <= 100,
  });
  rows.push({
    key: "spawns",
    figure: "Cold start: 10 concurrent first requests → servers spawned",
    plugin: c.spawns.join(", ") + ` (${c.spawns.length} reps)`,
    baseline: "—",
    comparison: "—",
    target: "1 each",
    met: c.spawns.every((n) => n === 1),
  });
  const p = r.pool;
  for (const pattern of ["sequential", "concurrent"] as const) {
    const [one, two] = [1, 2].map((n) => p.runs.find((run) => run.pattern === pattern && run.maxServers === n)!);
    rows.push({
      key: `pool-${pattern}`,
      figure: `Model pool: ${p.requests} ${pattern} requests alternating 2 models (${p.loadMs} ms load) → spawns, wall time`,
      plugin: `maxServers 2: ${two!.spawns} spawns, ${(two!.wallMs / 1000).toFixed(2)} s`,
      baseline: `maxServers 1: ${one!.spawns} spawns, ${(one!.wallMs / 1000).toFixed(2)} s`,
      comparison: `wall time ratio ${(two!.wallMs / one!.wallMs).toFixed(2)}`,
      // Each model starts once with room for both; one server never loads more than one model per group of waiting requests.
      target: pattern === "sequential" ? "2 spawns with maxServers 2" : "2 spawns with either",
      met: two!.spawns === 2 && (pattern === "sequential" || one!.spawns === 2),
    });
  }
  return rows;
}

export const metText = (met: boolean | undefined) => (met === undefined ? "—" : met ? "yes" : "NO");
