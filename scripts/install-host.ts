// Installs the pinned OpenClaw host into .host/ for the end-to-end tests, `npm start` and the bench.
// OpenClaw refuses to install unless the `node` on PATH is ≥ 24.16; npm runs this script with
// node_modules/.bin (our Node 24 devDependency) first on PATH, so its install scripts see Node 24.
// It is not a devDependency for the same reason: npm runs dependency install scripts before it
// links node_modules/.bin, so a fresh Node 20 machine would fail there.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostDir, openclawVersion } from "./host.ts";

const installed = join(hostDir, "node_modules", "openclaw", "package.json");
if (existsSync(installed) && JSON.parse(readFileSync(installed, "utf8")).version === openclawVersion) {
  process.exit(0);
}
mkdirSync(hostDir, { recursive: true });
writeFileSync(
  join(hostDir, "package.json"),
  JSON.stringify(
    { private: true, name: "openclaw-host", dependencies: { openclaw: openclawVersion }, allowScripts: { openclaw: true } },
    null,
    2,
  ),
);
console.log(`Installing OpenClaw ${openclawVersion} into ${hostDir} (once) ...`);
const npm = process.env.npm_execpath;
const [cmd, args] = npm ? [process.execPath, [npm]] : ["npm", []];
execFileSync(cmd, [...args, "install", "--no-audit", "--no-fund", "--loglevel=error"], {
  cwd: hostDir,
  stdio: "inherit",
});
