// `npm run test:repeat -- <pattern>`: every matching test file three times in one jest run (as
// three projects of the same config), to show a file passes on every run, not just once.
import { fileURLToPath } from "node:url";
import base from "../jest.config.js";

const { globalSetup, globalTeardown, maxWorkers, testSequencer, ...project } = base;
const rootDir = fileURLToPath(new URL("..", import.meta.url));
const RUNS = Number(process.env.TEST_REPEAT ?? 3);

export default {
  globalSetup,
  globalTeardown,
  maxWorkers,
  testSequencer,
  rootDir,
  projects: Array.from({ length: RUNS }, (_, i) => ({ ...project, rootDir, displayName: `run ${i + 1}` })),
};
