// `npm run bench`: the plugin against its baselines on the inferrs and llmman emulators. Runs the inferrs
// figures (CLI wall time, discovery, streaming, cold start, model pool) and the llmman ones (CLI wall
// time, discovery, first token, cold start), prints progress on stderr and a table on stdout, writes
// docs/benchmarks.md, and stops every process it started, also on errors.
// `npm run bench -- --only llmman` runs the llmman figures alone and rewrites only their section;
// `--no-cli` leaves out the llmman CLI A/B (many OpenClaw starts: too long on a loaded machine).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { seedHfCache } from "../tools/emulator/hf-cache.ts";
import { packPlugin } from "../tools/openclaw-host.ts";
import { benchCli, CLI_STEPS, MODEL } from "./bench/cli-run.ts";
import { benchColdStart, COLD_START_STEPS } from "./bench/cold-start.ts";
import { benchDiscovery, DISCOVERY_STEPS } from "./bench/discovery.ts";
import { describeMachine, load1 } from "./bench/machine.ts";
import { cleanupAll, leftovers, startEmulator, tempDir } from "./bench/processes.ts";
import { Progress } from "./bench/progress.ts";
import { benchPool, POOL_STEPS } from "./bench/pool.ts";
import { findings, printTable, RERUN, writeReport } from "./bench/report.ts";
import { buildRows, type Results } from "./bench/results.ts";
import { benchStreaming, STREAMING_STEPS } from "./bench/streaming.ts";
import { benchLlmman, llmmanRows, llmmanSteps, type LlmmanResults } from "./bench/llmman/index.ts";
import { writeLlmmanSection } from "./bench/llmman/report.ts";
import { projectDir } from "./host.ts";

const REPORT = join(projectDir, "docs", "benchmarks.md");

function chatCounter(logFile: string): () => number {
  return () =>
    existsSync(logFile)
      ? readFileSync(logFile, "utf8")
          .split("\n")
          .filter((line) => line.includes('"path":"/v1/chat/completions"'))
          .length
      : 0;
}

const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
if (only !== undefined && only !== "llmman") {
  process.stderr.write(`--only takes "llmman" (the llmman figures alone), not ${JSON.stringify(only)}\n`);
  process.exit(2);
}
const onlyLlmman = only === "llmman";
const llmmanCli = !process.argv.includes("--no-cli");

async function run(progress: Progress): Promise<Results> {
  const discovery = await benchDiscovery(progress);
  const streaming = await benchStreaming(progress);
  const coldStart = await benchColdStart(progress);
  const pool = await benchPool(progress);

  // The CLI figure's emulator: started and loaded before any CLI run, so start-up is not measured.
  const hfHome = tempDir("cli-emu-hf");
  seedHfCache(hfHome);
  const requestLog = join(tempDir("cli-emu-log"), "requests.jsonl");
  const emulator = await startEmulator({ model: MODEL, hfHome, knobs: { INFERRS_EMU_REQUEST_LOG: requestLog } });
  const cli = await benchCli(progress, emulator, chatCounter(requestLog));
  return { cli, discovery, streaming, coldStart, pool };
}

const started = performance.now();
const loadBefore = load1();
const progress = new Progress((onlyLlmman ? 0 : DISCOVERY_STEPS + STREAMING_STEPS + COLD_START_STEPS + POOL_STEPS + CLI_STEPS) + llmmanSteps(llmmanCli));
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping everything the bench started …\n`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

let results: Results | undefined;
let llmman: LlmmanResults | undefined;
let failure: unknown;
try {
  process.stderr.write(`packing the plugin (${RERUN} built it) …\n`);
  packPlugin();
  if (!onlyLlmman) results = await run(progress);
  llmman = await benchLlmman(progress, { cli: llmmanCli });
} catch (error) {
  failure = error;
} finally {
  await cleanupAll();
}
const left = await leftovers();
if (interrupted) process.exit(130);
if (failure || !llmman || (!results && !onlyLlmman)) {
  process.stderr.write(`bench failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}\n`);
  if (left.length) process.stderr.write(`processes left running: ${left.join("; ")}\n`);
  process.exit(1);
}

const rows = [...(results ? buildRows(results) : []), ...llmmanRows(llmman)];
const durationS = (performance.now() - started) / 1000;
process.stdout.write(`\n${printTable(rows)}\n\n`);
const missed = rows.filter((row) => row.met === false);
process.stdout.write(missed.length ? `targets missed: ${missed.map((row) => row.figure).join("; ")}\n` : "every target met\n");
if (results) process.stdout.write(`${findings(rows, results).map((text) => `- ${text.replaceAll("**", "")}`).join("\n")}\n\n`);
process.stdout.write(`took ${(durationS / 60).toFixed(1)} min; processes left running: ${left.length ? left.join("; ") : "none"}\n`);
const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
const machine = describeMachine();
const loadAfter = load1();
if (results) {
  writeReport(REPORT, rows.filter((row) => !row.key.startsWith("llmman-")), results, machine, { date, durationS, loadBefore, loadAfter, leftovers: left });
}
writeLlmmanSection(REPORT, llmman, { date, durationS, loadBefore, loadAfter, commit: machine.commit });
process.stdout.write(`wrote ${REPORT}\n`);
if (left.length) process.exitCode = 1;
