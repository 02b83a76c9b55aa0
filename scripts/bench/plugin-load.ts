// What importing the installed plugin costs an OpenClaw process. The figure: side by side, the
// packed entry versus OpenClaw's own bundled SGLang provider plugin entry, each imported into a
// fresh Node 24 that has already imported the OpenClaw code the SGLang entry shares with the host
// (so neither side pays for OpenClaw itself), runs interleaved. Plus which of the plugin's
// libraries the import evaluated, and the import into a bare Node for reference.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { librariesEvaluatedBy } from "../../tools/loaded-libraries.ts";
import { hostDir, node24 } from "../host.ts";
import { summarize, type Summary } from "./stats.ts";

export const IMPORT_RUNS = 15;
export const IMPORT_TARGET_RATIO = 1.5;
const BARE_REPS = 5;

export const SGLANG_ENTRY = join(hostDir, "node_modules", "openclaw", "dist", "extensions", "sglang", "index.js");

export type PluginLoad = {
  /** Import time of the plugin entry after OpenClaw's shared code, per interleaved run. */
  pluginMs: Summary;
  /** The same for OpenClaw's bundled SGLang entry. */
  sglangMs: Summary;
  /** Ratio of the medians (the target) and plugin/SGLang per interleaved pair (a cross-check). */
  ratio: number;
  pairedRatio: Summary;
  /** The OpenClaw modules imported first (the SGLang entry's imports that are not SGLang's own). */
  sharedModules: string[];
  /** Libraries whose code the plugin import evaluated (should be none). */
  librariesEvaluated: string[];
  /** The plugin entry in a bare Node, for reference. */
  bareMs: Summary;
  pluginDir: string;
};

/** The plugin package as `openclaw plugins install npm-pack:` left it in a host's state dir. */
export function findInstalledPlugin(stateDir: string, name = "openclaw-inferrs"): string {
  const stack = [stateDir];
  while (stack.length) {
    const dir = stack.pop()!;
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== "node_modules") stack.push(join(dir, entry.name));
    }
  }
  throw new Error(`${name} is not installed under ${stateDir}`);
}

/**
 * The SGLang entry's static imports that are OpenClaw's shared code: every one whose first
 * region is not under extensions/sglang/ (its own defaults chunk stays on its side of the scale).
 */
export function sharedModulesOf(entry: string): string[] {
  const source = readFileSync(entry, "utf8");
  const specifiers = [...source.matchAll(/^import\s[^;]*?from\s+"([^"]+)";?$/gm)].map((match) => match[1]!);
  return specifiers
    .map((specifier) => resolve(dirname(entry), specifier))
    .filter((file) => !/^\/\/#region extensions\/sglang\//m.test(readFileSync(file, "utf8").split("\n").slice(0, 3).join("\n")));
}

function child(script: string, cwd: string): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    execFile(node24, ["--input-type=module", "-e", script], { cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolvePromise(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

const importScript = (shared: string[], target: string) => `
for (const file of ${JSON.stringify(shared.map((file) => pathToFileURL(file).href))}) await import(file);
const t = performance.now();
await import(${JSON.stringify(pathToFileURL(target).href)});
console.log(JSON.stringify({ ms: performance.now() - t }));
`;

export async function measurePluginLoad(pluginDir: string): Promise<PluginLoad> {
  const entry = join(pluginDir, "dist", "index.js");
  const shared = sharedModulesOf(SGLANG_ENTRY);
  const plugin: number[] = [];
  const sglang: number[] = [];
  for (let run = 0; run < IMPORT_RUNS; run++) {
    // Interleaved, and each run's order alternated, so drifting machine load hits both sides.
    const order = run % 2 === 0 ? (["plugin", "sglang"] as const) : (["sglang", "plugin"] as const);
    for (const side of order) {
      const { ms } = await child(importScript(shared, side === "plugin" ? entry : SGLANG_ENTRY), pluginDir);
      (side === "plugin" ? plugin : sglang).push(ms as number);
    }
  }
  const bare: number[] = [];
  for (let rep = 0; rep < BARE_REPS; rep++) bare.push((await child(importScript([], entry), pluginDir)).ms as number);
  const pluginMs = summarize(plugin);
  const sglangMs = summarize(sglang);
  return {
    pluginMs,
    sglangMs,
    ratio: pluginMs.median / sglangMs.median,
    pairedRatio: summarize(plugin.map((ms, i) => ms / sglang[i]!)),
    sharedModules: shared.map((file) => file.replace(/^.*\/node_modules\//, "")),
    librariesEvaluated: librariesEvaluatedBy(entry),
    pluginDir,
    bareMs: summarize(bare),
  };
}
