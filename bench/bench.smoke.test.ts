import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';
import type { NoopShape } from './noop-shape';

/** `npm run bench` at its smoke size: the whole stack comes up, every order completes, every figure is measured. */
describe('benchmark (smoke size)', () => {
  const dir = tempDir('bench-smoke');
  afterAll(() => dir.remove());

  test('given the smoke size, then all orders complete and the report holds every figure and ratio', async () => {
    const { stdout, report } = await runBuiltScript<{
      orders: number;
      noopShape: NoopShape;
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
    // The no-op saga took an order's shape (the bench fails if its own run's differs): the reservation,
    // invoice and three emails (local activities), at least two projection batches (up to the invoice
    // email; payment to receipt: how the eight events fall into batches depends on timing), the four
    // search-attribute writes, the payment's deadline and Update.
    expect(report.noopShape.startedWith).toEqual(['CustomerId']);
    const steps = [...report.noopShape.beforeUpdate, ...report.noopShape.afterUpdate];
    expect(steps.filter((s) => s.kind === 'local')).toHaveLength(5);
    expect(steps.filter((s) => s.kind === 'activity').length).toBeGreaterThanOrEqual(2);
    expect(steps.filter((s) => s.kind === 'upsert').length).toBeGreaterThanOrEqual(4);
    expect(report.noopShape.beforeUpdate.filter((s) => s.kind === 'deadline')).toHaveLength(1);
    expect(report.noopShape.elsewhereBeforeUpdate).toBeGreaterThanOrEqual(1);
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
