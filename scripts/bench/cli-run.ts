// Figure 1: wall time of `openclaw infer model run --local` against one already-running emulator,
// with our plugin (plugin config only: baseUrl) versus the seed doc's hand-written
// `models.providers.inferrs` block in an OpenClaw without the plugin. Both configs are the same
// lean base apart from the provider part; runs are interleaved A,B,A,B after a warm-up of each.
import { seedProviderBlock } from "../../tools/seed-provider-block.ts";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seedHfCache } from "../../tools/emulator/hf-cache.ts";
import { OpenClawHost } from "../../tools/openclaw-host.ts";
import { runCli, type CliRun } from "./cli-process.ts";
import { mainThreadProfile, summarizeProfile, type ProfileSummary } from "./cpu-profile.ts";
import { pluginFootprint, type Footprint } from "./plugin-footprint.ts";
import { findInstalledPlugin, IMPORT_RUNS, measurePluginLoad, type PluginLoad } from "./plugin-load.ts";
import { onCleanup, tempDir, type Emulator } from "./processes.ts";
import type { Progress } from "./progress.ts";
import { summarize, type Summary } from "./stats.ts";

export const MODEL = "google/gemma-4-E2B-it";
export const PROMPT = "What is 2 + 2?";
export const CLI_ARGS = ["infer", "model", "run", "--local", "--model", `inferrs/${MODEL}`, "--prompt", PROMPT, "--json"];
const RUNS = 9;

export const CLI_STEPS = 2 + 2 * (1 + RUNS) + 1;


export type CliResult = {
  plugin: Summary;
  seed: Summary;
  /** Ratio of the medians. */
  ratio: number;
  /** plugin run / the seed run right after it, per pair; its median is what the target judges. */
  pairedRatio: Summary;
  /** Exit minus the last output: a CLI that lingers after answering would show here. */
  exitLagMs: { plugin: Summary; seed: Summary };
  /** The CPU-profiled warm-up run of each variant. */
  profiles: Record<"plugin" | "seed", ProfileSummary>;
  runs: number;
  pluginLoad: PluginLoad;
  footprint: Footprint;
};

/** OpenClaw 2026.9.6 functions (dist/loader-runtime-load-*.mjs, plugin-generation-artifact-*.mjs) timed in the profiles. */
export const PROFILED_FUNCTIONS = ["loadOpenClawPluginsCore", "loadPluginModule", "capturePluginGenerationArtifact"] as const;

type Json = Record<string, unknown>;

/** Both configs minus their provider part (plugins.entries.inferrs / models.providers) must match. */
function configDiff(a: Json, b: Json, dirA: string, dirB: string): string[] {
  const strip = (config: Json, dir: string) => {
    const copy = JSON.parse(JSON.stringify(config).replaceAll(dir, "<host>")) as Json & {
      plugins?: { entries?: Json };
      models?: Json;
    };
    if (copy.plugins?.entries) delete copy.plugins.entries.inferrs;
    if (copy.plugins?.entries && Object.keys(copy.plugins.entries).length === 0) delete copy.plugins.entries;
    if (copy.plugins && Object.keys(copy.plugins).length === 0) delete copy.plugins;
    if (copy.models) delete copy.models.providers;
    if (copy.models && (copy.models as Json).mode === "merge") delete (copy.models as Json).mode;
    return copy;
  };
  const left = strip(a, dirA);
  const right = strip(b, dirB);
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].filter((key) => JSON.stringify(left[key]) !== JSON.stringify(right[key]));
}

/** One provider's A/B: the CLI command, its expected answer, and the two configs' provider parts. */
export type CliSpec = {
  args: string[];
  answer: string;
  runs: number;
  /** The warm-up runs are CPU-profiled. */
  profile: boolean;
  /** plugins.entries.inferrs.config of variant A. */
  pluginConfig: Json;
  /** `models` additions of variant B (the hand-written block). */
  seedModels: Json;
  seedLabel: string;
};

export type PairedRuns = Pick<CliResult, "plugin" | "seed" | "ratio" | "pairedRatio" | "exitLagMs" | "runs"> & {
  profiles: Partial<Record<"plugin" | "seed", ProfileSummary>>;
};

function check(run: CliRun, label: string, answer: string, chatsBefore: number, chatsAfter: number): void {
  let parsed: { ok?: boolean; provider?: string; outputs?: Array<{ text?: string }> } | undefined;
  try {
    parsed = JSON.parse(run.stdout.slice(run.stdout.indexOf("{")));
  } catch {
    // reported below
  }
  if (run.code !== 0 || parsed?.ok !== true || parsed.outputs?.[0]?.text !== answer) {
    throw new Error(`${label}: infer model run failed (exit ${run.code}):\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  }
  if (chatsAfter !== chatsBefore + 1) throw new Error(`${label}: expected one chat request on the emulator, saw ${chatsAfter - chatsBefore}`);
}

type Variant = "plugin" | "seed";

export const pairedSteps = (runs: number) => 2 * (1 + runs);

/** A (the plugin in `host`) and B (no plugin, the hand-written block), interleaved after one warm-up each. */
export async function pairedCliRuns(progress: Progress, host: OpenClawHost, spec: CliSpec, chatCount: () => number): Promise<PairedRuns> {
  const base = host.readConfig() as Json & { plugins?: { entries?: Json } };
  host.setPluginConfig(spec.pluginConfig);

  // B: an OpenClaw without the plugin (own state dir, nothing installed) and the hand-written block.
  const seedDir = tempDir("cli-seed");
  const seed = { stateDir: join(seedDir, "state"), configPath: join(seedDir, "openclaw.json"), hfHome: join(seedDir, "hf") };
  mkdirSync(seed.stateDir, { recursive: true });
  seedHfCache(seed.hfHome);
  const seedConfig: Json = JSON.parse(JSON.stringify(base).replaceAll(host.dir, seedDir));
  delete seedConfig.plugins;
  seedConfig.models = { ...(seedConfig.models as Json), ...spec.seedModels };
  writeFileSync(seed.configPath, JSON.stringify(seedConfig, null, 2));
  const seedEnv = { OPENCLAW_STATE_DIR: seed.stateDir, OPENCLAW_CONFIG_PATH: seed.configPath, HF_HOME: seed.hfHome };

  const diff = configDiff(host.readConfig(), seedConfig, host.dir, seedDir);
  if (diff.length) throw new Error(`the two configs differ outside the provider part: ${diff.join(", ")}`);

  const variants: Record<Variant, { label: string; env: Record<string, string> }> = {
    plugin: { label: "plugin", env: {} },
    seed: { label: spec.seedLabel, env: seedEnv },
  };
  const runs: Record<Variant, CliRun[]> = { plugin: [], seed: [] };
  const profiles: PairedRuns["profiles"] = {};
  for (let round = 0; round <= spec.runs; round++) {
    for (const key of ["plugin", "seed"] as const) {
      const variant = variants[key];
      // The warm-up runs are CPU-profiled (main thread) to show where a run's time goes; they are not measured.
      const profileDir = round === 0 && spec.profile ? tempDir(`cli-prof-${key}`) : undefined;
      progress.step(`infer model run (${variant.label}) ${round === 0 ? `warm-up${profileDir ? ", CPU-profiled" : ""}` : `run ${round}/${spec.runs}`}`);
      const before = chatCount();
      const run = await runCli(host, spec.args, {
        env: variant.env,
        nodeArgs: profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [],
      });
      check(run, variant.label, spec.answer, before, chatCount());
      if (profileDir) profiles[key] = summarizeProfile(mainThreadProfile(profileDir, run.pid), PROFILED_FUNCTIONS);
      else if (round > 0) runs[key].push(run);
      progress.note(`${(run.ms / 1000).toFixed(2)} s (answer printed at ${(run.outputMs / 1000).toFixed(2)} s)`);
    }
  }
  const seconds = (list: CliRun[]) => summarize(list.map((run) => run.ms / 1000));
  const plugin = seconds(runs.plugin);
  const seedSummary = seconds(runs.seed);
  return {
    plugin,
    seed: seedSummary,
    ratio: plugin.median / seedSummary.median,
    pairedRatio: summarize(runs.plugin.map((run, i) => run.ms / runs.seed[i]!.ms)),
    exitLagMs: {
      plugin: summarize(runs.plugin.map((run) => run.ms - run.outputMs)),
      seed: summarize(runs.seed.map((run) => run.ms - run.outputMs)),
    },
    profiles,
    runs: spec.runs,
  };
}

export async function benchCli(progress: Progress, emulator: Emulator, chatCount: () => number): Promise<CliResult> {
  progress.step("infer model run: installing the packed plugin into an isolated OpenClaw");
  const host = await OpenClawHost.create();
  onCleanup(() => host.dispose());
  const paired = await pairedCliRuns(
    progress,
    host,
    {
      args: CLI_ARGS,
      answer: "2 + 2 is 4.",
      runs: RUNS,
      profile: true,
      // A: the plugin, configured with nothing but the running server's base URL.
      pluginConfig: { baseUrl: emulator.baseUrl },
      seedModels: seedProviderBlock(emulator.baseUrl),
      seedLabel: "seed provider block",
    },
    chatCount,
  );
  progress.step("infer model run: the installed plugin's footprint");
  const pluginDir = findInstalledPlugin(host.stateDir);
  progress.step(`plugin import vs OpenClaw's SGLang entry, ${IMPORT_RUNS} interleaved runs each`);
  const pluginLoad = await measurePluginLoad(pluginDir);
  progress.note(`plugin ${pluginLoad.pluginMs.median.toFixed(2)} ms, SGLang ${pluginLoad.sglangMs.median.toFixed(2)} ms (medians)`);
  return { ...paired, profiles: paired.profiles as CliResult["profiles"], pluginLoad, footprint: pluginFootprint(pluginDir) };
}
