import { afterAttempt, backoffMs, ended, jitterOf, newDelivery, verdictOf } from './webhooks';
import { makeEvent } from './events';

describe('webhook delivery rules', () => {
  test.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [null, 'retry'],
    [301, 'permanent'],
    [400, 'permanent'],
    [401, 'permanent'],
    [404, 'permanent'],
    [410, 'permanent'],
    [422, 'permanent'],
  ])('given HTTP %p, then the verdict is %s', (status, verdict) => {
    expect(verdictOf(status)).toBe(verdict);
  });

  const policy = { initialMs: 1_000, maxMs: 60_000, windowMs: 86_400_000 };

  test('given failures in a row, then the waits double up to the cap, each between half and all of it', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => backoffMs(policy, n, jitterOf('msg_x', n), null));
    const caps = [1, 2, 4, 8, 16, 32, 60, 60, 60].map((s) => s * 1000);
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual((caps[i] as number) / 2);
      expect(w).toBeLessThanOrEqual(caps[i] as number);
    });
    expect(backoffMs(policy, 3, 0, null)).toBe(2_000);
    expect(backoffMs(policy, 3, 0.999999, null)).toBe(4_000);
  });

  test('given a Retry-After, then a longer one wins, bounded by the longest wait', () => {
    expect(backoffMs(policy, 1, 0, 30_000)).toBe(30_000);
    expect(backoffMs(policy, 1, 0, 3_600_000)).toBe(60_000);
    expect(backoffMs(policy, 6, 0, 1_000)).toBe(16_000);
  });

  test('given many deliveries, then their jitter is spread over [0, 1) and stable per (delivery, attempt)', () => {
    const values = Array.from({ length: 1000 }, (_, i) => jitterOf(`msg_s_order-${i}_3`, 1));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const buckets = new Array(10).fill(0) as number[];
    for (const v of values) buckets[Math.floor(v * 10)]! += 1;
    for (const b of buckets) expect(b).toBeGreaterThan(60);
    expect(jitterOf('msg_a', 2)).toBe(jitterOf('msg_a', 2));
    expect(jitterOf('msg_a', 2)).not.toBe(jitterOf('msg_a', 3));
  });

  test('given a delivery, when attempts fail then one succeeds, then each is recorded and the version grows', () => {
    const event = makeEvent('OrderPlaced', 'o-1', 1, new Date('2026-01-01T00:00:00Z'), {
      customer: { id: 'c', email: 'c@example.com' },
      items: [{ sku: 'A', quantity: 1 }],
    });
    const d0 = newDelivery({ id: 'whs_1', url: 'https://example.com/h' }, event);
    expect(d0).toMatchObject({ deliveryId: 'msg_whs_1_o-1_1', status: 'pending', version: 0 });
    expect(d0.payload).toEqual({
      type: 'OrderPlaced',
      timestamp: '2026-01-01T00:00:00.000Z',
      data: {
        orderId: 'o-1',
        seq: 1,
        customer: { id: 'c', email: 'c@example.com' },
        items: [{ sku: 'A', quantity: 1 }],
      },
    });
    const at = new Date('2026-01-01T00:00:01Z');
    const failed = afterAttempt(
      d0,
      { status: 503, latencyMs: 5, error: 'HTTP 503', retryAfterMs: null, verdict: 'retry' },
      at,
    );
    const done = afterAttempt(
      failed,
      { status: 200, latencyMs: 4, error: null, retryAfterMs: null, verdict: 'delivered' },
      at,
    );
    expect(done).toMatchObject({ status: 'delivered', version: 2 });
    expect(done.attempts.map((a) => [a.n, a.status])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(ended(failed, 'dead', 'gave up')).toMatchObject({ status: 'dead', reason: 'gave up', version: 2 });
  });
});
