/** ESM jest: the OpenClaw SDK, execa and p-retry are ESM-only. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true }],
  },
  // ts-jest applies tsconfig's rewriteRelativeImportExtensions (`./x.ts` → `./x.js`); map back to the source.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  testTimeout: 60000,
  // Two files at a time on the 2-core machine: an OpenClaw CLI run keeps about 1.3 cores busy and
  // waits the rest of the time, so one worker left a core idle. A third worker gained nothing (the
  // suite is CPU-bound) and loads every timing more (docs/benchmarks.md "Test suite").
  maxWorkers: 2,
  // The unit files beside the first e2e file, not beside each other (the reason is in the file).
  testSequencer: "<rootDir>/__tests__/support/sequencer.mjs",
  globalSetup: "<rootDir>/__tests__/support/global-setup.mjs",
  // Fails the run if it left a process, a temp dir or an OpenClaw lock file behind.
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.mjs",
};
