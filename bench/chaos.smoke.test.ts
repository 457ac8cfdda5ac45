import { join } from 'node:path';
import { tempDir } from '../test/helpers/env';
import { runBuiltScript } from '../test/helpers/built-script';
import { CASES, CLUSTER_ONLY } from './chaos-cases';

/** `npm run chaos` at its smoke size: every fault case runs for real and every invariant holds. */
describe('reliability suite (smoke size)', () => {
  const dir = tempDir('chaos-smoke');
  afterAll(() => dir.remove());

  test('given every fault at smoke size, then each case reports all its invariants holding', async () => {
    // exit 1 (a rejected promise here) if any invariant is broken; the report says which
    const { report } = await runBuiltScript<{
      cases: {
        name: string;
        ok: boolean;
        orders: number;
        invariants: Record<string, { ok: boolean; detail: string }>;
        observed: { kinds?: string[] };
      }[];
    }>('bench/chaos.js', ['--smoke'], join(dir.path, 'chaos.json'), 420_000);
    const byName = new Map(report.cases.map((c) => [c.name, c]));
    // The dev topology runs every case but those that need two replicas (`--cluster`).
    expect([...byName.keys()]).toEqual(CASES.filter((c) => !CLUSTER_ONLY.includes(c)));
    for (const c of report.cases) {
      const broken = Object.entries(c.invariants).filter(([, v]) => !v.ok);
      expect({ case: c.name, broken }).toEqual({ case: c.name, broken: [] });
    }
    // The fault cases ran orders and checked the seven order invariants each.
    for (const name of [
      'kill-saga-worker',
      'restart-temporal',
      'redis-outage',
      'mongo-outage',
      'flaky-webhooks',
      'operator-cancel',
      'operator-terminate',
      'due-date-race',
    ]) {
      const c = byName.get(name);
      expect(c?.orders).toBeGreaterThan(0);
      expect(Object.keys(c?.invariants ?? {})).toEqual(
        expect.arrayContaining([
          'everyOrderTerminal',
          'oneInvoicePerOrderGapFree',
          'stockConserved',
          'redisCaughtUp',
          'noEmailLost',
          'noWebhookLost',
          'readModelsMatchHistories',
          'noPaymentOnCancelled',
        ]),
      );
    }
    expect(byName.get('redis-outage')?.invariants.readsFellBackToMongo?.ok).toBe(true);
    expect(Object.keys(byName.get('admin-auth')?.invariants ?? {})).toEqual([
      'noToken401',
      'otherRoles403',
      'admin200',
    ]);
    const hostile = byName.get('hostile-input');
    expect(hostile?.observed.kinds).toEqual(
      expect.arrayContaining(['forged-token', 'expired-token', 'wrong-audience', 'other-customer']),
    );
  }, 480_000);
});
