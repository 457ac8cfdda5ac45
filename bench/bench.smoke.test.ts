import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';

/** `npm run bench` at its smoke size: the whole stack comes up, every order completes, every figure is measured. */
describe('benchmark (smoke size)', () => {
  const dir = tempDir('bench-smoke');
  afterAll(() => dir.remove());

  test('given the smoke size, then all orders complete and the report holds every figure and ratio', async () => {
    const { stdout, report } = await runBuiltScript<{
      orders: number;
      activitiesPerOrder: number;
      results: {
        ordersCompleted: number;
        ordersPerSecond: number;
        postOrderMs: { n: number; p50: number };
        sagaPlacedToCompletedMs: { p50: number; p99: number };
        projectionLagMs: { events: number; p50: number };
        getOrder: { rps: number; non2xx: number; requests: number };
        lightLoad: { orders: number; completed: number; sagaPlacedToCompletedMs: { n: number; p50: number } };
      };
      limits: {
        bareFastify: { rps: number; bytes: number };
        bareFastifySmall: { rps: number };
        noopSagaPerSecond: number;
      };
      ratios: {
        getOrderToBareFastify: number;
        getOrderToBareFastifySmall: number;
        ordersToNoopSaga: number;
        ordersToNoopSagaByTurn: number[];
      };
    }>('bench/bench.js', ['--smoke'], join(dir.path, 'bench.json'), 150_000);
    expect(stdout).toContain('ratio orders / no-op');
    const r = report.results;
    expect(r.ordersCompleted).toBe(report.orders);
    expect(r.postOrderMs.n).toBe(report.orders);
    // An order runs its reservation, invoice and three emails (local activities) and at least two
    // projection batches (up to the invoice email; payment to receipt): how the eight events fall into
    // batches depends on timing.
    expect(report.activitiesPerOrder).toBeGreaterThanOrEqual(7);
    expect(report.activitiesPerOrder).toBeLessThanOrEqual(13);
    expect(r.sagaPlacedToCompletedMs.p50).toBeGreaterThan(0);
    expect(r.sagaPlacedToCompletedMs.p99).toBeGreaterThanOrEqual(r.sagaPlacedToCompletedMs.p50);
    // Every order projected its events in the measured window (placed … completed: 7 at least).
    expect(r.projectionLagMs.events).toBeGreaterThanOrEqual(report.orders * 7);
    // the orders placed one at a time at the end all completed and were timed
    expect(r.lightLoad.completed).toBe(r.lightLoad.orders);
    expect(r.lightLoad.sagaPlacedToCompletedMs.n).toBe(r.lightLoad.orders);
    expect(r.lightLoad.sagaPlacedToCompletedMs.p50).toBeGreaterThan(0);
    expect(r.getOrder.requests).toBeGreaterThan(0);
    expect(r.getOrder.non2xx).toBe(0);
    expect(report.limits.bareFastify.rps).toBeGreaterThan(0);
    // the limit sends a real order answer's bytes (an order view with its timeline is well over 500)
    expect(report.limits.bareFastify.bytes).toBeGreaterThan(500);
    expect(report.limits.bareFastifySmall.rps).toBeGreaterThan(0);
    expect(report.ratios.getOrderToBareFastifySmall).toBeCloseTo(
      r.getOrder.rps / report.limits.bareFastifySmall.rps,
    );
    expect(report.limits.noopSagaPerSecond).toBeGreaterThan(0);
    expect(report.ratios.ordersToNoopSaga).toBeCloseTo(
      r.ordersPerSecond / report.limits.noopSagaPerSecond,
      6,
    );
    // orders and the no-op saga took two turns each at the smoke size
    expect(report.ratios.ordersToNoopSagaByTurn).toHaveLength(2);
    for (const ratio of report.ratios.ordersToNoopSagaByTurn) expect(ratio).toBeGreaterThan(0);
    expect(report.ratios.getOrderToBareFastify).toBeCloseTo(
      r.getOrder.rps / report.limits.bareFastify.rps,
      6,
    );
  }, 180_000);
});
