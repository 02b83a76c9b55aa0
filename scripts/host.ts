// Where the pinned OpenClaw host lives and how to run it (Node 24 from the `node` devDependency).
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const projectDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const hostDir = join(projectDir, ".host");
export const openclawVersion = "2026.9.6";
export const openclawEntry = join(hostDir, "node_modules", "openclaw", "openclaw.mjs");
export const node24 = join(projectDir, "node_modules", "node", "bin", "node");

/**
 * Node's compile cache dir for the pinned OpenClaw under `base`: the dir its launcher
 * (openclaw.mjs) picks, `<base>/openclaw/<version>/<package.json mtime>-<size>`.
 */
export function openclawCompileCache(base: string): string {
  const packageJson = join(hostDir, "node_modules", "openclaw", "package.json");
  const stat = statSync(packageJson);
  const version = (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version.replace(/[^A-Za-z0-9._-]+/g, "_");
  return join(base, "openclaw", version, `${Math.trunc(stat.mtimeMs)}-${stat.size}`);
}
