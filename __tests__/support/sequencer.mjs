// Jest's order (slowest of the last run first, else largest file first: a fresh clone has no
// timings), with the unit files moved to run right after the first e2e file. An e2e file runs
// real OpenClaw commands, about 1.3 cores each; a unit file mostly waits on emulator timers. Two
// unit files side by side leave most of a core idle, and so does one e2e file alone at the end;
// a unit file beside an e2e file uses what that leaves (docs/benchmarks.md "Test suite").
import Sequencer from "@jest/test-sequencer";

const isE2e = (test) => /(^|[\\/])e2e-[^\\/]*\.test\.ts$/.test(test.path);

export default class UnitsBesideE2eSequencer extends Sequencer {
  async sort(tests) {
    const sorted = await super.sort(tests);
    const [first, ...rest] = sorted.filter(isE2e);
    return first ? [first, ...sorted.filter((test) => !isE2e(test)), ...rest] : sorted;
  }
}
