import { Progress, progressLine } from './progress';

describe('the progress of a long phase', () => {
  test('given 4200 of 10000 orders in 5 s, then it shows the bar, the rate and the time left', () => {
    expect(progressLine('rebuild', 4200, 10_000, 5_000)).toBe(
      'rebuild [########------------] 4200/10000 orders, 840/s, 7 s left',
    );
  });

  test('given more done than the estimate (orders placed meanwhile), then the bar is full and no time is left', () => {
    expect(progressLine('verify', 12, 10, 1_000)).toBe('verify [####################] 12/12 orders, 12/s');
  });

  test('given a slow phase, then the rate keeps a decimal', () => {
    expect(progressLine('chaos mongo-outage', 30, 300, 4_000)).toBe(
      'chaos mongo-outage [##------------------] 30/300 orders, 7.5/s, 36 s left',
    );
  });

  test('given a log rather than a terminal, then a line every 10 s and a last one at the end, not one per order', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new Progress(
      'bench',
      300,
      'orders',
      { isTTY: false, write: (t: string) => lines.push(t) },
      () => now,
    );
    for (let i = 0; i < 300; i++) {
      now += 100; // an order every 100 ms: 30 s in all
      progress.tick();
    }
    progress.end();
    expect(lines).toEqual([
      'bench [#######-------------] 100/300 orders, 10/s, 20 s left\n',
      'bench [#############-------] 200/300 orders, 10/s, 10 s left\n',
      'bench [####################] 300/300 orders, 10/s\n',
    ]);
  });

  test('given a terminal, then the line is redrawn in place and ended with a newline', () => {
    let now = 0;
    const out: string[] = [];
    const progress = new Progress(
      'verify',
      4,
      'orders',
      { isTTY: true, write: (t: string) => out.push(t) },
      () => now,
    );
    for (let i = 0; i < 4; i++) {
      now += 300;
      progress.tick();
    }
    progress.end();
    expect(out.every((t) => t.startsWith('\r') || t === '\n')).toBe(true);
    expect(out.at(-1)).toBe('\n');
    expect(out.length).toBe(5); // four redraws (one per 300 ms), the end's newline
  });
});
