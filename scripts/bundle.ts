// Builds dist/index.js: the plugin and its libraries (TypeBox, undici, execa, p-retry) in one ES
// module. OpenClaw copies an installed plugin with all of its node_modules before every CLI run
// loads it (about 1,700 files, 3 s here); one file with no runtime dependencies costs nothing
// there and installs without the network. See docs/benchmarks.md.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { projectDir } from "./host.ts";

const outfile = join(projectDir, "dist", "index.js");
rmSync(join(projectDir, "dist"), { recursive: true, force: true });
await build({
  entryPoints: [join(projectDir, "src", "index.ts")],
  outfile,
  bundle: true,
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
console.log(`Bundled ${outfile}`);
