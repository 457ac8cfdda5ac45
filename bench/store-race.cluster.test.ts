import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';

/** `npm run measure:store-race` at its smoke size (PostgreSQL: the cluster tier): both handlers raced and timed. */
describe('store race measurement (smoke size)', () => {
  const dir = tempDir('store-race-smoke');
  afterAll(() => dir.remove());

  test('given FerretDB on SQLite and on PostgreSQL, then each is raced round by round and its write rate measured', async () => {
    const { stdout, report } = await runBuiltScript<{
      rounds: number;
      racers: number;
      units: number;
      results: {
        store: string;
        decrement: { atomicRounds: number; succeeded: number[]; left: number[] };
        replaceIfNewer: { atomicRounds: number; kept: number[] };
        writesPerSecond: number;
      }[];
    }>('bench/store-race.js', ['--smoke'], join(dir.path, 'store-race.json'), 120_000);
    expect(stdout).toContain('decrement if ≥ 1');
    expect(report.results.map((r) => r.store)).toEqual(
      expect.arrayContaining(['FerretDB, SQLite handler', 'FerretDB, PostgreSQL handler']),
    );
    for (const r of report.results) {
      expect(r.decrement.succeeded).toHaveLength(report.rounds);
      // whatever the atomicity, a round never takes more than the racers and leaves a count
      for (const n of r.decrement.succeeded) expect(n).toBeLessThanOrEqual(report.racers);
      for (const left of r.decrement.left) expect(Number.isFinite(left)).toBe(true);
      expect(r.replaceIfNewer.kept).toHaveLength(report.rounds);
      expect(r.writesPerSecond).toBeGreaterThan(0);
    }
  }, 150_000);
});
