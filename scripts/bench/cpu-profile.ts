// Reads a V8 .cpuprofile (node --cpu-prof) and sums the time spent inside given functions
// (inclusive: a sample counts for a function when it is anywhere on the stack, once).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

type ProfileNode = { id: number; callFrame: { functionName: string; url: string }; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

export type ProfileSummary = {
  /** Profiled wall time of the process's main thread. */
  wallMs: number;
  /** CPU time (ms) with each named function on the stack. */
  inside: Record<string, number>;
};

/**
 * The main-thread profile of the CLI in `dir`: `CPU.<date>.<time>.<pid>.0.<seq>.cpuprofile` of the
 * given pid, else the largest main-thread profile (helper processes the CLI starts inherit the flag).
 */
export function mainThreadProfile(dir: string, pid: number): string {
  const files = readdirSync(dir).filter((file) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(file));
  const own = files.find((file) => file.split(".")[3] === String(pid));
  const largest = files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  const name = own ?? largest;
  if (!name) throw new Error(`no main-thread CPU profile in ${dir}`);
  return join(dir, name);
}

export function summarizeProfile(file: string, functionNames: readonly string[]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const wanted = new Set(functionNames);
  const inside: Record<string, number> = Object.fromEntries(functionNames.map((name) => [name, 0]));
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
      const name = byId.get(cursor)!.callFrame.functionName;
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        inside[name]! += us / 1000;
      }
    }
  }
  return { wallMs: (profile.endTime - profile.startTime) / 1000, inside };
}
