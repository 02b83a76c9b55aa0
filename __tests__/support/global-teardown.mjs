// Fails the run if it left something behind: a process started by this run (its environment has
// the run's marker), a temp dir in the run's temp root, or an OpenClaw lock file of a state dir
// made there. Only this run's: other runs on the machine are none of its business.
import { rmSync } from "node:fs";
import { RUN_MARKER, leftovers } from "./leftovers.mjs";

export default async function globalTeardown() {
  const root = process.env[RUN_MARKER];
  if (!root) return;
  const found = await leftovers(root);
  for (const { pid } of found.processes) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  const lines = [
    ...found.processes.map(({ pid, cmdline }) => `process ${pid}: ${cmdline}`),
    ...found.paths.map((path) => `left behind: ${path}`),
  ];
  if (lines.length > 0) throw new Error(`This test run left things behind (now removed):\n${lines.join("\n")}`);
}
