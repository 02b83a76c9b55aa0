// What loading the installed plugin costs a fresh OpenClaw process: the plugin entry imported in
// a new Node 24, its runtime dependencies (if the package has any) first, one at a time, so each
// one's share shows.
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { node24 } from "../host.ts";
import { summarize, type Summary } from "./stats.ts";

const REPS = 3;

export type PluginLoad = {
  /** dist/index.js with everything it imports, in a fresh process. */
  totalMs: Summary;
  /** Each dependency's own import time, then the plugin's own modules ("dist/index.js"). */
  partsMs: Record<string, Summary>;
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

function child(pluginDir: string, script: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(node24, ["--input-type=module", "-e", script], { cwd: pluginDir, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, number>);
    });
  });
}

const partsScript = (dependencies: string[]) => `
const out = {};
let t = performance.now();
for (const name of ${JSON.stringify(dependencies)}) {
  await import(name);
  const now = performance.now();
  out[name] = now - t;
  t = now;
}
await import("./dist/index.js");
out["dist/index.js"] = performance.now() - t;
console.log(JSON.stringify(out));
`;

const TOTAL_SCRIPT = `
const t = performance.now();
await import("./dist/index.js");
console.log(JSON.stringify({ total: performance.now() - t }));
`;

export async function measurePluginLoad(pluginDir: string): Promise<PluginLoad> {
  const totals: number[] = [];
  const parts: Record<string, number[]> = {};
  const manifest = JSON.parse(readFileSync(join(pluginDir, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const dependencies = Object.keys(manifest.dependencies ?? {});
  for (let rep = 0; rep < REPS; rep++) {
    totals.push((await child(pluginDir, TOTAL_SCRIPT)).total!);
    for (const [name, ms] of Object.entries(await child(pluginDir, partsScript(dependencies)))) (parts[name] ??= []).push(ms);
  }
  return {
    totalMs: summarize(totals),
    partsMs: Object.fromEntries(Object.entries(parts).map(([name, values]) => [name, summarize(values)])),
    pluginDir,
  };
}
