// Packs the built plugin once for all end-to-end tests (`npm test` builds first), and installs it
// once into the host template the e2e hosts copy, when e2e files are among those to run. Plain
// ESM: jest loads global setup natively, and Node 24 runs the TypeScript tools directly.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { prepareHostTemplate } from "../../tools/e2e/template.ts";
import { packPlugin } from "../../tools/openclaw-host.ts";

export default async function globalSetup(globalConfig) {
  packPlugin();
  const patterns = globalConfig.testPathPatterns;
  const testsDir = join(import.meta.dirname, "..");
  const e2eFiles = readdirSync(testsDir).filter((name) => /^e2e-.*\.test\.ts$/.test(name));
  const executor = patterns.isSet() ? patterns.toExecutor({ rootDir: globalConfig.rootDir }) : undefined;
  if (!executor || e2eFiles.some((name) => executor.isMatch(join(testsDir, name)))) await prepareHostTemplate();
}
