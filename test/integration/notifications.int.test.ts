import { notificationsCollection } from '../../projections/notifications/view';
import { eventually } from '../helpers/poll';
import { metricValue } from '../helpers/metrics';
import { startTestStack, type TestStack } from '../helpers/stack';
import { AS_ADMIN, asCustomer } from '../helpers/auth';
import { recordHistory } from '../helpers/histories';

interface DeadLetter {
  id: string;
  kind: string;
  status: string;
  what: string;
  target: string;
  why: string;
  attempts: number;
  lastError: string | null;
  redrives: number;
  orderId: string;
}

/**
 * Notifications on the whole stack: email through the SMTP sink (which can refuse a mailbox), SMS
 * through the log provider; a refused email becomes a dead letter, and a redrive sends it.
 */
describe('notifications: email and SMS, dead-lettered and redriven', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('notifications');
  }, 120_000);
  afterAll(() => stack?.stop(), 60_000);

  const customer = { id: 'n-1', email: 'bounce@bounces.example.com', phone: '+33612345678' };
  const call = async (method: string, path: string, body?: unknown, as = AS_ADMIN) => {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: {
        ...as,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const letters = async (orderId: string) =>
    ((await call('GET', '/dead-letters')).body.items as DeadLetter[]).filter((l) => l.orderId === orderId);

  test('given a mailbox that refuses mail, when the order is paid, then it completes, the SMS go out and each email is an open dead letter; a redrive then delivers one', async () => {
    // a mailbox that does not exist: the mail server accepts only the other customers' addresses
    await stack.mailbox.acceptOnly('@example\\.com$');
    const placed = await call(
      'POST',
      '/orders',
      { items: [{ sku: 'MS-002', quantity: 1 }] },
      asCustomer(customer),
    );
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    const awaiting = await eventually(
      () => call('GET', `/orders/${orderId}`),
      (r) => r.body.status === 'AWAITING_PAYMENT',
    );
    const paid = await call(
      'POST',
      `/orders/${orderId}/payments`,
      { amount: awaiting.body.total, currency: 'EUR', reference: `tx-${orderId}` },
      asCustomer(customer),
    );
    expect(paid.body).toMatchObject({ status: 'COMPLETED' });

    // A 550 is final: not retried, each email dead-lettered at once, saying why.
    const open = await eventually(
      () => letters(orderId),
      (list) => list.length === 3,
    );
    expect(open.map((l) => l.what).sort()).toEqual([
      `email order-confirmed of order ${orderId}`,
      `email order-paid of order ${orderId}`,
      `email order-received of order ${orderId}`,
    ]);
    for (const l of open) {
      expect(l).toMatchObject({
        kind: 'notification',
        status: 'open',
        target: 'bounce@bounces.example.com',
        attempts: 1,
      });
      expect(l.why).toBe('refused, not retryable');
      expect(l.lastError).toMatch(/550|unavailable/);
    }
    expect(
      (await stack.mailbox.messages()).filter((m) => m.to.includes('bounce@bounces.example.com')),
    ).toEqual([]);
    expect(
      await metricValue(stack.metrics.saga.registry, 'activity_failures_total', {
        activity: 'sendOrderEmail',
        error_type: 'EMAIL_REFUSED',
      }),
    ).toBe(3);
    // The SMS went, each recorded in the notifications read model.
    const sms = await eventually(
      () => notificationsCollection(stack.stores.db).find({ orderId, channel: 'sms' }).toArray(),
      (list) => list.length === 3,
    );
    expect(sms.map((n) => n.to)).toEqual(['+33612345678', '+33612345678', '+33612345678']);

    // Redriven while the mailbox still refuses: the letter is open again, with the new error.
    const paidLetter = open.find((l) => l.what.startsWith('email order-paid')) as DeadLetter;
    const early = await call('POST', `/dead-letters/${paidLetter.id}/redrive`);
    expect(early.status).toBe(202);
    const reopened = await eventually(
      async () => (await call('GET', `/dead-letters/${paidLetter.id}`)).body,
      (l) => l.status === 'open' && l.redrives === 1,
    );
    expect(reopened).toMatchObject({ attempts: 2, why: 'refused, not retryable' });
    expect(reopened.lastError).toMatch(/550|unavailable/);
    if (process.env.RECORD_HISTORIES === '1') {
      const handle = stack.env.client.workflow.getHandle(early.body.workflowId as string);
      await handle.result();
      await recordHistory('notification-redrive-failed', await handle.fetchHistory());
    }

    // The mailbox is back: an operator redrives the invoice email, and the receipt a second time.
    await stack.mailbox.acceptOnly(null);
    expect((await call('POST', `/dead-letters/${paidLetter.id}/redrive`)).status).toBe(202);
    await eventually(
      async () => (await call('GET', `/dead-letters/${paidLetter.id}`)).body,
      (l) => l.status === 'redriven' && l.redrives === 2,
    );
    const letter = open.find((l) => l.what.startsWith('email order-confirmed')) as DeadLetter;
    const redrive = await call('POST', `/dead-letters/${letter.id}/redrive`);
    expect(redrive).toMatchObject({ status: 202, body: { id: letter.id, status: 'redriving' } });
    const redriven = await eventually(
      async () => (await call('GET', `/dead-letters/${letter.id}`)).body,
      (l) => l.status === 'redriven',
    );
    expect(redriven).toMatchObject({ redrives: 1, attempts: 2 });
    const [listed] = (await stack.mailbox.messages()).filter(
      (m) => m.to.includes('bounce@bounces.example.com') && m.subject.endsWith('confirmed'),
    );
    const mail = listed && (await stack.mailbox.message(listed.id));
    expect(mail).toMatchObject({
      subject: `Order ${orderId} confirmed`,
      messageId: `${orderId}.order-confirmed@orders.local`,
    });
    expect(mail?.text).toContain('Total: ');
    expect(mail?.html).toContain('<p>');
    const recorded = await eventually(
      () =>
        notificationsCollection(stack.stores.db).findOne({
          _id: `<${orderId}.order-confirmed@orders.local>`,
        }),
      (n) => n !== null,
    );
    expect(recorded).toMatchObject({
      orderId,
      kind: 'order-confirmed',
      channel: 'email',
      to: 'bounce@bounces.example.com',
    });
    // Redriven is done: again is a conflict. The order-received one stays open.
    expect((await call('POST', `/dead-letters/${letter.id}/redrive`)).status).toBe(409);
    expect((await letters(orderId)).filter((l) => l.status === 'open')).toHaveLength(1);

    if (process.env.RECORD_HISTORIES === '1') {
      const handle = stack.env.client.workflow.getHandle(redrive.body.workflowId as string);
      await handle.result();
      await recordHistory('notification-redriven', await handle.fetchHistory());
    }
  }, 60_000);
});
