// Which npm libraries importing a bundled entry evaluates, found in a fresh Node 24: a module hook
// notes every file the import loads, and esbuild's `// node_modules/<package>/…` markers in those
// files name the libraries bundled into them. A loaded ES module file is an evaluated one, so a
// library that only sits in a lazily imported chunk does not count.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { node24 } from "../scripts/host.ts";

const SCRIPT = (entry: string) => `
import { registerHooks } from "node:module";
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
await import(${JSON.stringify(entry)});
console.log(JSON.stringify(loaded));
`;

/** The files the import of `entry` loaded (file: URLs only; node: built-ins left out). */
export function filesLoadedBy(entry: string): string[] {
  const out = execFileSync(node24, ["--input-type=module", "-e", SCRIPT(pathToFileURL(entry).href)], { encoding: "utf8", timeout: 60_000 });
  return (JSON.parse(out) as string[]).filter((url) => url.startsWith("file:")).map((url) => fileURLToPath(url));
}

/** npm packages whose code is in `file`, from esbuild's per-module path comments. */
export function bundledPackagesIn(file: string): string[] {
  const packages = new Set<string>();
  for (const match of readFileSync(file, "utf8").matchAll(/^\/\/ (?:.*\/)?node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\//gm)) packages.add(match[1]!);
  return [...packages].sort();
}

/** The npm libraries evaluated by importing `entry`. */
export function librariesEvaluatedBy(entry: string): string[] {
  return [...new Set(filesLoadedBy(entry).flatMap(bundledPackagesIn))].sort();
}
