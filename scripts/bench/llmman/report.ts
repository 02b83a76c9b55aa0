// The llmman section of docs/benchmarks.md: its own table, method and run line, between markers so
// `npm run bench -- --only llmman` can replace it and keep every other figure as it was.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { markdownTable } from "../report.ts";
import type { LlmmanResults } from "./index.ts";
import { llmmanMethod, llmmanRows } from "./index.ts";

const BEGIN = "<!-- llmman rows: npm run bench (or npm run bench -- --only llmman) -->";
const END = "<!-- /llmman rows -->";

export type LlmmanRunInfo = { date: string; durationS: number; loadBefore: number; loadAfter: number; commit: string };

export function llmmanSection(r: LlmmanResults, info: LlmmanRunInfo): string {
  return `${BEGIN}
## llmman

Against the project's llmman emulator (tools/emulator/llmman, tools/bin/llmman), side by side with OpenClaw's hand-written llmman block
where there is one; measured on ${info.date} (commit ${info.commit}) in ${(info.durationS / 60).toFixed(1)} min, 1-minute load average ${info.loadBefore.toFixed(2)} before and ${info.loadAfter.toFixed(2)} after
(the 2-core machine is shared with other agents' builds, tests and OpenClaw runs: the figures are noisy, the wall times most).

${markdownTable(llmmanRows(r))}
${r.cli ? "" : "\nThe CLI A/B (`infer model run`) was left out of this run (`--no-cli`): it is 2 installs and 12 OpenClaw CLI starts, and on this machine under load one CLI start took over 3 minutes. Run `npm run bench -- --only llmman` on an idle machine for it.\n"}
${llmmanMethod(r)}
${END}`;
}

/** Puts the section into the report: in place of the last one, else after the first table. */
export function withLlmmanSection(doc: string, section: string): string {
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from >= 0 && to > from) return doc.slice(0, from) + section + doc.slice(to + END.length);
  const at = doc.indexOf("\n## How each figure is measured");
  return at < 0 ? `${doc}\n${section}\n` : `${doc.slice(0, at)}\n${section}\n${doc.slice(at)}`;
}

export function writeLlmmanSection(path: string, r: LlmmanResults, info: LlmmanRunInfo): void {
  const doc = existsSync(path) ? readFileSync(path, "utf8") : "# Benchmarks\n";
  writeFileSync(path, withLlmmanSection(doc, llmmanSection(r, info)));
}
