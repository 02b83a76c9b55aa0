// Packs the built plugin once for all end-to-end tests (`npm test` builds first), installs it once
// into the host template the e2e hosts copy (when e2e files are among those to run), then gives this
// run its own temp root: TMPDIR for the workers and everything they start (emulators, OpenClaw),
// and a marker in their environment, so that the global teardown can tell what this run left
// behind from what other runs on the same machine do. Plain ESM: jest loads global setup natively,
// and Node 24 runs the TypeScript tools directly.
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { prepareHostTemplate } from "../../tools/e2e/template.ts";
import { packPlugin } from "../../tools/openclaw-host.ts";
import { RUN_MARKER } from "./leftovers.mjs";
import { isE2eTestFile } from "./sequencer.mjs";

export default async function globalSetup(globalConfig) {
  packPlugin();
  const patterns = globalConfig.testPathPatterns;
  const testsDir = join(import.meta.dirname, "..");
  const e2eFiles = readdirSync(testsDir).filter(isE2eTestFile);
  const executor = patterns.isSet() ? patterns.toExecutor({ rootDir: globalConfig.rootDir }) : undefined;
  if (!executor || e2eFiles.some((name) => executor.isMatch(join(testsDir, name)))) await prepareHostTemplate();
  const root = mkdtempSync(join(tmpdir(), "openclaw-inferrs-run-"));
  // OpenClaw enables Node's compile cache, by default in the temp dir: keep the machine's warm one
  // (a cold cache makes every OpenClaw CLI start much slower).
  process.env.NODE_COMPILE_CACHE ??= join(tmpdir(), "node-compile-cache");
  process.env.TMPDIR = root;
  process.env[RUN_MARKER] = root;
  // How many shares tools/net.ts freePort() cuts the loopback ports into: one per worker.
  process.env.E2E_JEST_WORKERS = String(globalConfig.maxWorkers);
}
