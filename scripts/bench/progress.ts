// One progress line per step on stderr, numbered against the planned total:
// `[3/40] infer model run (plugin) run 2/5 …`.

export class Progress {
  private done = 0;
  private readonly total: number;
  private readonly started = performance.now();

  constructor(total: number) {
    this.total = total;
  }

  /** Announces the next step. */
  step(label: string): void {
    this.done++;
    const elapsed = ((performance.now() - this.started) / 1000).toFixed(0);
    process.stderr.write(`[${this.done}/${this.total}] ${label} … (${elapsed} s)\n`);
  }

  note(message: string): void {
    process.stderr.write(`        ${message}\n`);
  }
}
