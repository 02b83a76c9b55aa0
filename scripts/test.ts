// `npm test [-- <jest args>]`: the type check and jest side by side (the build has run before).
// tsc keeps one core busy for a few seconds while jest's global setup (pack, template install)
// leaves one idle. The run fails when either fails; jest always finishes, so that its global
// teardown stops what the tests started.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { projectDir } from "./host.ts";

function run(args: string[], quiet: boolean): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: projectDir, stdio: ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"] });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const typecheck = run([join(projectDir, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], true);
const jest = run(
  ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning", join(projectDir, "node_modules", "jest", "bin", "jest.js"), ...process.argv.slice(2)],
  false,
);
const [types, tests] = await Promise.all([typecheck, jest]);
if (types.code !== 0) process.stderr.write(`\nThe type check (tsc -p tsconfig.json) failed:\n${types.output}`);
process.exitCode = types.code !== 0 ? types.code : tests.code;
