// The emulator helpers moved to tools/e2e/emulator.ts (shared with the e2e harness).
export * from "../../tools/e2e/emulator.ts";
