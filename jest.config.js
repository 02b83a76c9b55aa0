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
  // Three files at a time on the 2-core machine: an OpenClaw CLI run keeps about 1.3 cores busy
  // and the rest of the time waits (on its SQLite helper processes, a model load, a readiness
  // timeout), so two workers left a fifth of the machine idle (docs/benchmarks.md "Test suite").
  maxWorkers: 3,
  globalSetup: "<rootDir>/__tests__/support/global-setup.mjs",
  // Fails the run if it left a process, a temp dir or an OpenClaw lock file behind.
  globalTeardown: "<rootDir>/__tests__/support/global-teardown.mjs",
};
