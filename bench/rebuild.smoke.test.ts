import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';

/** `npm run bench:rebuild` at its smoke size: orders placed, verify and rebuild timed from Temporal and from the log. */
describe('rebuild benchmark (smoke size)', () => {
  const dir = tempDir('rebuild-smoke');
  afterAll(() => dir.remove());

  test('given the smoke size, then every order is rebuilt from Temporal and, its run deleted, from the event log, without drift', async () => {
    const { stdout, report } = await runBuiltScript<{
      orders: number;
      placing: { completed: number };
      deleted: number;
      fromTemporal: { verify: { drift: number }; rebuild: { orders: number; ordersPerSecond: number } };
      fromLog: {
        rebuild: { orders: number; fromLog: number };
        verify: { drift: number; sources: { log: number } };
      };
    }>('bench/rebuild.js', ['--smoke'], join(dir.path, 'rebuild.json'), 150_000);
    expect(stdout).toContain('rebuild (runs deleted)');
    expect(report.placing.completed).toBe(report.orders);
    expect(report.fromTemporal.verify.drift).toBe(0);
    expect(report.fromTemporal.rebuild.orders).toBe(report.orders);
    expect(report.fromTemporal.rebuild.ordersPerSecond).toBeGreaterThan(0);
    expect(report.deleted).toBe(report.orders);
    expect(report.fromLog.rebuild).toMatchObject({ orders: report.orders, fromLog: report.orders });
    expect(report.fromLog.verify).toMatchObject({ drift: 0, sources: { log: report.orders } });
  }, 180_000);
});
