// Packs the built plugin once for all end-to-end tests, the way it is published (`npm test`
// builds first). Self-contained: jest loads global setup outside its module mapper.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";

export default function globalSetup(): void {
  const projectDir = join(import.meta.dirname, "..", "..");
  const out = join(projectDir, ".tmp");
  mkdirSync(out, { recursive: true });
  const name = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", out], {
    cwd: projectDir,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop()!;
  renameSync(join(out, name), join(out, "openclaw-inferrs.tgz"));
}
