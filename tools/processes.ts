// Finding the processes a test caused among everyone's on a shared machine, by what their
// environment carries (a request log path unique to the test), and naming them in a report.
import { readdirSync, readFileSync } from "node:fs";

/** Live processes whose environment has one of these `NAME=value` entries. */
export function processesWithEnv(entries: string[]): number[] {
  if (entries.length === 0) return [];
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (entries.some((entry) => environ.includes(entry))) found.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** The process's command line, for a report. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "gone";
  }
}
