// What `openclaw plugins install npm-pack:` put on disk for the plugin: the package and the
// runtime dependencies npm installed next to it (OpenClaw copies these when it loads the plugin).
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

export type Footprint = { files: number; bytes: number; byPackage: Array<{ name: string; files: number; bytes: number }> };

function walk(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = walk(path);
      files += inner.files;
      bytes += inner.bytes;
    } else if (entry.isFile()) {
      files++;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

/** `pluginDir` is <project>/node_modules/openclaw-inferrs; its siblings are its dependencies. */
export function pluginFootprint(pluginDir: string): Footprint {
  const modules = dirname(pluginDir);
  const byPackage: Footprint["byPackage"] = [];
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const names = entry.name.startsWith("@")
      ? readdirSync(join(modules, entry.name)).map((inner) => `${entry.name}/${inner}`)
      : [entry.name];
    for (const name of names) byPackage.push({ name, ...walk(join(modules, name)) });
  }
  byPackage.sort((a, b) => b.files - a.files);
  return {
    files: byPackage.reduce((sum, pkg) => sum + pkg.files, 0),
    bytes: byPackage.reduce((sum, pkg) => sum + pkg.bytes, 0),
    byPackage,
  };
}
