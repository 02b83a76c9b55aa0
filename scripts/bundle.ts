// Builds dist/: the plugin and its libraries (TypeBox, undici, execa, p-retry) as ES modules with
// no runtime dependencies. OpenClaw copies an installed plugin with all of its node_modules before
// every CLI run loads it (about 1,700 files, 3 s here); a few bundled files cost nothing there and
// install without the network. OpenClaw also imports the plugin in every command: dist/index.js
// holds only the plugin's own light modules, and each library sits in a chunk of its own that is
// imported where it is first needed (code splitting). See docs/benchmarks.md.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { projectDir } from "./host.ts";

const outdir = join(projectDir, "dist");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(projectDir, "src", "index.ts")],
  outdir,
  entryNames: "[name]",
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node22",
  // The host's SDK comes from the host at run time.
  external: ["openclaw", "openclaw/*"],
  // CommonJS dependencies (cross-spawn in execa) call require() for Node built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  legalComments: "linked",
  logLevel: "warning",
});
console.log(`Bundled ${join(outdir, "index.js")}`);
