// Jest's order (slowest of the last run first, else largest file first: a fresh clone has no
// timings), with the unit files moved to run right after the first e2e file. An e2e file runs
// real OpenClaw commands, about 1.3 cores each; a unit file mostly waits on emulator timers, so
// two unit files side by side leave most of a core idle, while a unit file beside an e2e file
// uses what that leaves. (All e2e files first pairs the unit files up at the end instead:
// docs/benchmarks.md "Test suite".)
import { basename } from "node:path";
import Sequencer from "@jest/test-sequencer";

/** Whether a test file path is an end-to-end file (`__tests__/e2e-*.test.ts`). */
export const isE2eTestFile = (path) => /^e2e-.*\.test\.ts$/.test(basename(path));

export default class UnitsBesideE2eSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const [first, ...rest] = sorted.filter((test) => isE2eTestFile(test.path));
    return first ? [first, ...sorted.filter((test) => !isE2eTestFile(test.path)), ...rest] : sorted;
  }
}
