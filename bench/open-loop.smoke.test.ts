import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';

/** `npm run bench:open-loop` at its smoke size, on the dev topology: every rate measured, every figure there. */
describe('open-loop benchmark (smoke size)', () => {
  const dir = tempDir('open-loop-smoke');
  afterAll(() => dir.remove());

  test('given the smoke size, then each of the four rates is offered on schedule and its latencies and lag are reported', async () => {
    const { stdout, report } = await runBuiltScript<{
      results: {
        topology: string;
        closedLoopMaximumPerSecond: number;
        noopClosedLoopMaximumPerSecond: number;
        ordersToNoop: number;
        rates: {
          share: number;
          offeredPerSecond: number;
          orders: number;
          completed: number;
          sagaMs: { p50: number; p99: number; p999: number };
          endToEndMs: { p50: number };
          projectionLagMs: { events: number; p99: number };
        }[];
      }[];
    }>('bench/open-loop.js', ['--smoke', '--topology', 'dev'], join(dir.path, 'open-loop.json'), 150_000);
    expect(stdout).toContain('highest rate kept up with');
    const [dev] = report.results;
    expect(dev?.topology).toBe('dev');
    // the limit, the no-op saga in the order's shape, was measured on the same server
    expect(dev?.noopClosedLoopMaximumPerSecond).toBeGreaterThan(0);
    expect(dev?.ordersToNoop).toBeCloseTo(
      (dev?.closedLoopMaximumPerSecond ?? 0) / (dev?.noopClosedLoopMaximumPerSecond ?? 0),
      6,
    );
    expect(stdout).toContain('orders / no-op');
    expect(dev?.rates.map((r) => r.share)).toEqual([0.25, 0.5, 0.75, 1]);
    for (const r of dev?.rates ?? []) {
      expect(r.offeredPerSecond).toBeCloseTo((dev?.closedLoopMaximumPerSecond ?? 0) * r.share, 5);
      expect(r.completed).toBe(r.orders);
      expect(r.sagaMs.p999).toBeGreaterThanOrEqual(r.sagaMs.p50);
      expect(r.endToEndMs.p50).toBeGreaterThan(0);
      expect(r.projectionLagMs.events).toBeGreaterThanOrEqual(r.orders * 7);
    }
  }, 180_000);
});
