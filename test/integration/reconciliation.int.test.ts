import { execFileSync } from 'node:child_process';
import { billingInvoices } from '../../activities/billing';
import { stockHead } from '../../activities/stock-ledger';
import { orderWorkflowId } from '../../domain/ids';
import { binaries } from '../../stack/binaries';
import {
  ensureReconciliationSchedule,
  RECONCILIATION_SCHEDULE_ID,
} from '../../infra/reconciliation-schedule';
import { verifyReadModels } from '../../projections/verify';
import { reconcileOrdersWorkflow } from '../../workflows';
import { cacheDir } from '../helpers/env';
import { eventually } from '../helpers/poll';
import { startTestStack, type TestStack } from '../helpers/stack';
import { AS_SUPPORT, asCustomer } from '../helpers/auth';

type View = { status?: string; reason?: string | null; invoice?: { status: string } | null };

/**
 * Runs an operator ends without their order ending (Web UI "Terminate", a reset), on the whole stack:
 * the reconciliation, on its Temporal Schedule, closes what was abandoned and leaves alone what a later
 * run carries on.
 */
describe('reconciliation of orders whose run closed without ending them', () => {
  let stack: TestStack;
  const temporal = (...args: string[]) =>
    execFileSync(binaries(cacheDir).temporal(), [...args, '--address', stack.env.address], {
      encoding: 'utf8',
    });
  const read = async (orderId: string, query = '') =>
    (await fetch(`${stack.base}/orders/${orderId}${query}`, { headers: AS_SUPPORT })).json() as Promise<View>;
  const place = async (email: string, sku: string, quantity: number) => {
    const res = await fetch(`${stack.base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asCustomer({ id: 'c-rec', email }) },
      body: JSON.stringify({ items: [{ sku, quantity }] }),
    });
    const { orderId } = (await res.json()) as { orderId: string };
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    return orderId;
  };
  /** One pass, as the schedule starts it. */
  const pass = () =>
    stack.env.client.workflow.execute(reconcileOrdersWorkflow, {
      taskQueue: 'orders',
      workflowId: `reconcile-now-${Date.now()}`,
      args: [{ projectionsTaskQueue: 'projections', limit: 100 }],
    });

  beforeAll(async () => {
    stack = await startTestStack('reconcile');
  }, 120_000);
  afterAll(() => stack?.stop(), 60_000);

  test('given an order awaiting payment, when an operator terminates its run, then the scheduled reconciliation voids its invoice, releases its stock, tells the customer and the read models say CANCELLED', async () => {
    const { db } = stack.stores;
    const before = (await stockHead(db, 'MN-003'))?.available ?? 0;
    const orderId = await place('term@example.com', 'MN-003', 2);
    expect((await stockHead(db, 'MN-003'))?.available).toBe(before - 2);

    temporal(
      'workflow',
      'terminate',
      '--workflow-id',
      orderWorkflowId(orderId),
      '--reason',
      'stuck, says ops',
    );
    // Nothing notices the terminated run by itself: the hold and the invoice stay.
    expect(await read(orderId)).toMatchObject({ status: 'AWAITING_PAYMENT', invoice: { status: 'ISSUED' } });

    await ensureReconciliationSchedule(stack.env.client, {
      everyMs: 3_600_000,
      ordersTaskQueue: 'orders',
      projectionsTaskQueue: 'projections',
    });
    await stack.env.client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).trigger();
    const reason = 'run terminated in Temporal; closed by the reconciliation';
    const view = await eventually(
      () => read(orderId),
      (v) => v.status === 'CANCELLED',
      { timeoutMs: 30_000 },
    );
    expect(view).toMatchObject({ reason, invoice: { status: 'VOID' } });
    expect((await stockHead(db, 'MN-003'))?.available).toBe(before);
    expect(await billingInvoices(db).findOne({ orderId })).toMatchObject({
      status: 'VOID',
      voidReason: reason,
    });
    const mail = await eventually(
      async () => (await stack.mailbox.messages()).filter((m) => m.to.includes('term@example.com')),
      (list) => list.some((m) => m.subject === `Order ${orderId} cancelled`),
    );
    expect(mail.map((m) => m.subject)).toContain(`Order ${orderId} confirmed`);
    // The order's workflow id now holds the closing run, which a strong read asks.
    expect(await read(orderId, '?consistency=strong')).toMatchObject({ status: 'CANCELLED', reason });

    // A later pass finds nothing more to close; the read models fold from the histories without drift.
    expect(await pass()).toEqual({ closing: [] });
    const verified = await verifyReadModels(stack.readModels);
    expect(verified.drift).toEqual([]);
  });

  test('given an order whose run an operator reset, when the reconciliation passes, then the new run is left to carry the order on', async () => {
    const orderId = await place('reset@example.com', 'KB-001', 1);
    temporal(
      'workflow',
      'reset',
      '--workflow-id',
      orderWorkflowId(orderId),
      '--type',
      'LastWorkflowTask',
      '--reason',
      'ops',
    );
    // The old run is terminated by the reset; the new one runs.
    expect(await pass()).toEqual({ closing: [] });
    const described = await stack.env.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.type).toBe('orderWorkflow');
    // And it still takes the payment.
    const paid = await fetch(`${stack.base}/orders/${orderId}/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...asCustomer({ id: 'c-rec', email: 'rec@example.com' }),
      },
      body: JSON.stringify({ amount: 8900, currency: 'EUR', reference: 'tx-reset' }),
    });
    expect(paid.status).toBe(200);
    expect(await read(orderId)).toMatchObject({ status: 'COMPLETED' });
  });
});
