/** `rebuild [########------------] 4200/10000 orders, 812/s, 8 s left` */
export function progressLine(
  label: string,
  done: number,
  total: number,
  elapsedMs: number,
  unit = 'orders',
): string {
  const of = Math.max(done, total, 1);
  const filled = Math.round((20 * done) / of);
  const rate = done / Math.max(elapsedMs / 1000, 0.001);
  const left = total > done && rate > 0 ? `, ${Math.ceil((total - done) / rate)} s left` : '';
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${done}/${of} ${unit}, ${rate.toFixed(rate < 10 ? 1 : 0)}/s${left}`;
}

/** Where a progress line goes: a terminal redraws one line, a log gets a line now and then. */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/**
 * A long phase's progress on stderr while it runs: done of total, the rate, the time left. On a
 * terminal the line is redrawn at most every `everyMs` (250 ms); in a log (CI), one line every
 * `logEveryMs` (10 s), so that a 10-minute run shows it is moving without flooding the log.
 */
export class Progress {
  private done = 0;
  private lastShown = 0;
  private shownDone = -1;
  private readonly started: number;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly unit = 'orders',
    private readonly out: ProgressOutput = process.stderr,
    private readonly clock: () => number = Date.now,
  ) {
    this.started = clock();
  }

  /** `n` more done; shown if it is time to. */
  tick(n = 1): void {
    this.done += n;
    const now = this.clock();
    const every = this.out.isTTY ? 250 : 10_000;
    if (now - this.lastShown >= every) this.show(now);
  }

  /** The same, told the count rather than the step (and the total, when it is an estimate that moved). */
  at(done: number, total = this.total): void {
    this.total = total;
    this.tick(done - this.done);
  }

  /** The final figures (unless the last line showed them), ending the redrawn line. */
  end(): void {
    if (this.done !== this.shownDone) this.show(this.clock());
    if (this.out.isTTY) this.out.write('\n');
  }

  private show(now: number): void {
    this.lastShown = now;
    this.shownDone = this.done;
    const line = progressLine(this.label, this.done, this.total, now - this.started, this.unit);
    this.out.write(this.out.isTTY ? `\r${line}   ` : `${line}\n`);
  }
}
