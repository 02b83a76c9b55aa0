// OpenClaw keeps a state dir's lock files outside it, in /tmp/openclaw-state-locks-<uid>/, named
// `<family>.<sha256 of the real path of <state dir>/state/openclaw.sqlite, first 8 hex>.lock.sqlite`,
// and never removes them: a disposable state dir takes its lock files with it.
import { createHash } from "node:crypto";
import { readdirSync, realpathSync, rmSync } from "node:fs";
import { join } from "node:path";

const LOCK_DIR = join("/tmp", `openclaw-state-locks-${process.getuid?.() ?? ""}`);

export function removeStateLocks(stateDir: string): void {
  let hash: string;
  let names: string[];
  try {
    hash = createHash("sha256").update(realpathSync(join(stateDir, "state", "openclaw.sqlite"))).digest("hex").slice(0, 8);
    names = readdirSync(LOCK_DIR);
  } catch {
    return; // no database, so no lock files
  }
  for (const name of names) if (name.split(".")[1] === hash) rmSync(join(LOCK_DIR, name), { force: true });
}
