/** ESM jest: the OpenClaw SDK, execa and p-retry are ESM-only. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, isolatedModules: true }],
  },
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  testTimeout: 60000,
};
