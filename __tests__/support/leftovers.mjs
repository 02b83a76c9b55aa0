// What a test run left behind, found by its marker (see global-setup.mjs).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";

export const RUN_MARKER = "OPENCLAW_INFERRS_TEST_RUN";
/** OpenClaw keeps its state locks here on Linux and macOS, whatever TMPDIR says. */
const LOCK_DIR = join("/tmp", `openclaw-state-locks-${process.getuid?.() ?? ""}`);
const SETTLE_MS = 5000;

/** Processes with the run's marker (jest's own workers aside), temp dirs and lock files of the run. */
export async function leftovers(root) {
  // A process stopped at the end of a test may need a moment to be gone.
  const deadline = Date.now() + SETTLE_MS;
  let processes = markedProcesses(root);
  while (processes.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    processes = markedProcesses(root);
  }
  const dirs = existsSync(root) ? readdirSync(root).map((name) => join(root, name)) : [];
  return { processes, paths: [...dirs, ...lockFiles(dirs)] };
}

function markedProcesses(root) {
  const entry = `${RUN_MARKER}=${root}`;
  const found = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue; // exited, not yet reaped
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ").trim();
      if (/jest-worker|processChild\.js/.test(cmdline)) continue;
      const environ = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (environ.includes(entry) || cmdline.includes(root)) found.push({ pid: Number(name), cmdline });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** OpenClaw's lock files for `<state dir>/state/openclaw.sqlite`, for every state dir under these dirs. */
function lockFiles(dirs) {
  if (!existsSync(LOCK_DIR)) return [];
  const hashes = new Set(dirs.flatMap(stateDatabases).map(lockHash));
  return readdirSync(LOCK_DIR)
    .filter((name) => hashes.has(name.split(".")[1]))
    .map((name) => join(LOCK_DIR, name));
}

function stateDatabases(dir) {
  try {
    return readdirSync(dir, { recursive: true })
      .filter((path) => String(path).endsWith(join("state", "openclaw.sqlite")))
      .map((path) => realpathSync(join(dir, String(path))));
  } catch {
    return [];
  }
}

/** How OpenClaw names a database's lock files: `<family>.<sha256(real path) first 8 hex>.lock.sqlite`. */
export function lockHash(databasePath) {
  return createHash("sha256").update(databasePath).digest("hex").slice(0, 8);
}
