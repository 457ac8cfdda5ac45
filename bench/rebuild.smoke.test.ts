import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../test/helpers/env';

const run = promisify(execFile);
const DIST = join(__dirname, '..', 'dist', 'bench', 'rebuild.js');

/** `npm run bench:rebuild` at its smoke size: orders placed, verify and rebuild timed from Temporal and from the log. */
describe('rebuild benchmark (smoke size)', () => {
  const dir = tempDir('rebuild-smoke');
  afterAll(() => dir.remove());

  test('given the smoke size, then every order is rebuilt from Temporal and, its run deleted, from the event log, without drift', async () => {
    if (!existsSync(DIST))
      throw new Error('dist/ is missing: `npm run build` first (npm test builds before jest)');
    const out = join(dir.path, 'rebuild.json');
    const { stdout } = await run(process.execPath, [DIST, '--smoke', '--out', out], {
      timeout: 150_000,
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    expect(stdout).toContain('rebuild (runs deleted)');
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      orders: number;
      placing: { completed: number };
      deleted: number;
      fromTemporal: { verify: { drift: number }; rebuild: { orders: number; ordersPerSecond: number } };
      fromLog: {
        rebuild: { orders: number; fromLog: number };
        verify: { drift: number; sources: { log: number } };
      };
    };
    expect(report.placing.completed).toBe(report.orders);
    expect(report.fromTemporal.verify.drift).toBe(0);
    expect(report.fromTemporal.rebuild.orders).toBe(report.orders);
    expect(report.fromTemporal.rebuild.ordersPerSecond).toBeGreaterThan(0);
    expect(report.deleted).toBe(report.orders);
    expect(report.fromLog.rebuild).toMatchObject({ orders: report.orders, fromLog: report.orders });
    expect(report.fromLog.verify).toMatchObject({ drift: 0, sources: { log: report.orders } });
  }, 180_000);
});
