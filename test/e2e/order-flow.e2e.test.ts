import { WorkflowNotFoundError } from '@temporalio/client';
import { billingInvoices } from '../../activities/billing';
import { execFileSync } from 'node:child_process';
import { findOrder } from '../../projections/orders/mongo';
import { readOrderFromRedis, STATUS_COUNTERS_KEY } from '../../projections/orders/redis';
import { orderWorkflowId } from '../../domain/ids';
import { OPERATOR_CANCELLATION } from '../../workflows/order';
import { binaries } from '../../stack/binaries';
import { stockHead } from '../../activities/stock-ledger';
import { eventually } from '../helpers/poll';
import { metricValue } from '../helpers/metrics';
import { cacheDir } from '../helpers/env';
import { startTestStack, type TestStack } from '../helpers/stack';
import { AS_SUPPORT, asCustomer, type TestCustomer } from '../helpers/auth';

/**
 * The whole stack over HTTP: Temporal dev server, the real saga and projector workers, the API on a
 * port, FerretDB (or mongod), Redis and the SMTP sink, each on a free loopback port.
 */
describe('an order flowing end to end', () => {
  let stack: TestStack;
  let env: TestStack['env'];
  let stores: TestStack['stores'];
  let mailbox: TestStack['mailbox'];
  let base: string;

  beforeAll(async () => {
    stack = await startTestStack('e2e');
    ({ env, stores, mailbox, base } = stack);
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  /** Each order's customer, to act on it as its owner. */
  const owners = new Map<string, TestCustomer>();
  /** The customer (its token) places `items`, the rest of the body as given. */
  const placeOrder = async (
    { customer, ...body }: { customer: TestCustomer; items: unknown },
    key?: string,
  ) => {
    const res = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...asCustomer(customer),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });
    const { orderId } = (await res.clone().json()) as { orderId?: string };
    if (orderId) owners.set(orderId, customer);
    return res;
  };
  /** A command as the order's own customer (an unknown order's: some customer's). */
  const ownerOf = (path: string) =>
    asCustomer(owners.get(path.split('/')[2] ?? '') ?? { id: 'cust-nobody', email: 'nobody@example.com' });

  type View = {
    status?: string;
    total?: number;
    reason?: string;
    invoice?: { invoiceId: string; number: number; status: string } | null;
    freshness?: { source: string; seq: number };
  };
  const read = async (orderId: string, query = '') =>
    (await fetch(`${base}/orders/${orderId}${query}`, { headers: AS_SUPPORT })).json() as Promise<View>;
  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerOf(path) },
      body: JSON.stringify(body),
    });
  /** What an operator types: the Temporal CLI against the running server. */
  /** What an operator types: the Temporal CLI against the running server (one JSON run per line). */
  const operatorList = (query: string): string[] =>
    execFileSync(
      binaries(cacheDir).temporal(),
      ['workflow', 'list', '--address', env.address, '--query', query, '--output', 'jsonl'],
      { encoding: 'utf8' },
    )
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { execution: { workflowId: string } }).execution.workflowId);

  test('given the demo catalog, when an order is placed and paid over HTTP, then it completes in both read models and the customer gets each email and SMS', async () => {
    const res = await placeOrder({
      customer: { id: 'cust-42', email: 'grace@example.com', phone: '+4915112345678' },
      items: [
        { sku: 'KB-001', quantity: 1 },
        { sku: 'CB-004', quantity: 3 },
      ],
    });
    expect(res.status).toBe(202);
    const { orderId } = (await res.json()) as { orderId: string };
    expect(res.headers.get('location')).toBe(`/orders/${orderId}`);
    const total = 8900 + 3 * 900;

    const awaiting = await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    expect(awaiting).toMatchObject({ total, invoice: { number: 1, status: 'ISSUED' } });
    const strong = await read(orderId, '?consistency=strong');
    expect(strong).toMatchObject({ status: 'AWAITING_PAYMENT', freshness: { source: 'workflow' } });
    expect(strong.freshness?.seq).toBeGreaterThanOrEqual(3);

    // The operator's view: the run is listed by state with the CLI (visibility is eventually consistent).
    const waiting = await eventually(
      async () => operatorList(`OrderStatus="AWAITING_PAYMENT" AND CustomerId="cust-42"`),
      (ids) => ids.length > 0,
    );
    expect(waiting).toEqual([orderWorkflowId(orderId)]);

    const wrong = await post(`/orders/${orderId}/payments`, {
      amount: 100,
      currency: 'EUR',
      reference: 'tx-1',
    });
    expect(wrong.status).toBe(422);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(await wrong.json()).toMatchObject({
      status: 422,
      errors: [{ field: 'body.amount', message: 'must be the invoice total 11600 (116.00 EUR)' }],
    });

    const paid = await post(`/orders/${orderId}/payments`, {
      amount: total,
      currency: 'EUR',
      reference: 'tx-1',
    });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({
      status: 'COMPLETED',
      payment: { reference: 'tx-1', amount: total },
    });
    // The command answered after its events were projected: the read model already shows them.
    const completed = await read(orderId);
    expect(completed).toMatchObject({ status: 'COMPLETED', freshness: { source: 'redis' } });
    // the order's invoice and the invoice itself say the same: paid
    const invoice = await fetch(`${base}/invoices/${completed.invoice?.invoiceId ?? ''}`, {
      headers: AS_SUPPORT,
    });
    const invoiceStatus = ((await invoice.json()) as { status: string }).status;
    expect({ order: completed.invoice?.status, invoice: invoiceStatus }).toEqual({
      order: 'PAID',
      invoice: 'PAID',
    });
    const again = await post(`/orders/${orderId}/payments`, {
      amount: total,
      currency: 'EUR',
      reference: 'tx-1',
    });
    expect(again.status).toBe(200);

    const mongoDoc = await eventually(
      () => findOrder(stores.db, orderId),
      (d) => d?.version === 11,
    );
    // Each notification went by email and, the customer having a phone, by SMS.
    expect(mongoDoc?.timeline.map((t) => t.type)).toEqual([
      'OrderPlaced',
      'NotificationSent',
      'NotificationSent',
      'StockReserved',
      'InvoiceIssued',
      'NotificationSent',
      'NotificationSent',
      'PaymentReceived',
      'OrderCompleted',
      'NotificationSent',
      'NotificationSent',
    ]);
    // Redis is written after MongoDB: poll it too.
    const hot = await eventually(
      () => readOrderFromRedis(stores.redis, orderId),
      (d) => d?.version === 11,
    );
    expect(hot).toMatchObject({ status: 'COMPLETED', version: 11 });
    expect(await stores.redis.hget(STATUS_COUNTERS_KEY, 'COMPLETED')).toBe('1');
    // The projector counted it once, with its saga duration and each event's projection lag.
    const { registry } = stack.metrics.projector;
    expect(await metricValue(registry, 'orders_placed_total')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry, 'orders_finished_total', { status: 'COMPLETED' })).toBe(1);
    expect(await metricValue(registry, 'saga_duration_seconds_count', { status: 'COMPLETED' })).toBe(1);
    expect(await metricValue(registry, 'saga_duration_seconds_sum', { status: 'COMPLETED' })).toBeGreaterThan(
      0,
    );
    expect(
      await metricValue(registry, 'projection_lag_seconds_count', { event_type: 'PaymentReceived' }),
    ).toBe(1);

    const mail = await eventually(
      async () => (await mailbox.messages()).filter((m) => m.to.includes('grace@example.com')),
      (list) => list.length === 3,
    );
    expect(mail.map((m) => m.subject).sort()).toEqual([
      `Order ${orderId} confirmed`,
      `Order ${orderId} received`,
      `Payment received for order ${orderId}`,
    ]);
    // The invoice email: its lines and due date in both parts, the HTML one escaped markup.
    const found = mail.find((m) => m.subject.endsWith('confirmed'));
    const invoiceMail = found && (await mailbox.message(found.id));
    expect(invoiceMail?.to).toEqual(['grace@example.com']);
    for (const part of [invoiceMail?.text ?? '', invoiceMail?.html ?? '']) {
      expect(part).toContain('Total: 116.00 EUR');
      expect(part).toMatch(/1 x .* \(KB-001\): 89\.00 EUR/);
      expect(part).toMatch(/payable by \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    }
    expect(invoiceMail?.html).toMatch(/^<p>.*<\/p>$/s);
    // The same notifications by SMS, one per kind, each with its stable reference.
    const texts = stack.sms.sent.filter((m) => m.reference.startsWith(`<${orderId}.`));
    expect(texts.map((m) => [m.to, m.reference])).toEqual([
      ['+4915112345678', `<${orderId}.order-received.sms@orders.local>`],
      ['+4915112345678', `<${orderId}.order-confirmed.sms@orders.local>`],
      ['+4915112345678', `<${orderId}.order-paid.sms@orders.local>`],
    ]);
    expect(texts[1]?.text).toMatch(/^Order .* confirmed: pay 116\.00 EUR by .* UTC \(invoice \d+\)\.$/);

    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        const query = `CustomerId = "cust-42" AND OrderStatus = "COMPLETED"`;
        for await (const wf of env.client.workflow.list({ query })) ids.push(wf.workflowId);
        return ids;
      },
      (ids) => ids.length > 0,
    );
    expect(listed).toEqual([orderWorkflowId(orderId)]);

    // After the run has closed, a retried payment still gets its outcome; a cancel is refused.
    await env.client.workflow.getHandle(orderWorkflowId(orderId)).result();
    const retried = await post(`/orders/${orderId}/payments`, {
      amount: total,
      currency: 'EUR',
      reference: 'tx-1',
    });
    expect(retried.status).toBe(200);
    const late = await post(`/orders/${orderId}/cancel`, { reason: 'too late' });
    expect(late.status).toBe(409);
    expect(late.headers.get('content-type')).toContain('application/problem+json');
  });

  test('given an order with an email and a phone number, when its history is read raw from Temporal, then neither appears in it, while the API reads them through the codec', async () => {
    const customer = { id: 'cust-pii', email: 'private.person@example.com', phone: '+4915199988877' };
    const res = await placeOrder({ customer, items: [{ sku: 'KB-001', quantity: 1 }] });
    const { orderId } = (await res.json()) as { orderId: string };
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    const raw = await env.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
    // Every string and every byte string of the history, as stored (payloads are bytes).
    const texts: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') texts.push(v);
      else if (v instanceof Uint8Array) texts.push(Buffer.from(v).toString('latin1'));
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(raw);
    const stored = texts.join('\n');
    expect(stored).toContain(orderId); // the history was read: its workflow id is there
    for (const secret of [customer.email, 'private.person', customer.phone, '15199988877']) {
      expect({ secret, found: stored.includes(secret) }).toEqual({ secret, found: false });
    }
    expect(await read(orderId, '?consistency=strong')).toMatchObject({ customer });
  });

  test('given an invoiced order, when it is cancelled over HTTP, then the invoice is void, the stock is back and a payment is refused', async () => {
    const before = (await stockHead(stores.db, 'MN-003'))?.available ?? 0;
    const res = await placeOrder({
      customer: { id: 'cust-8', email: 'eve@example.com' },
      items: [{ sku: 'MN-003', quantity: 2 }],
    });
    const { orderId } = (await res.json()) as { orderId: string };
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    expect((await stockHead(stores.db, 'MN-003'))?.available).toBe(before - 2);
    // The products view is a read model of its own: the order's copy read from MongoDB (a Redis miss)
    // can show the hold before the product's Redis copy does.
    await eventually(
      async () =>
        (await (await fetch(`${base}/products/MN-003`)).json()) as { available: number; reserved: number },
      (p) => p.available === before - 2,
    );

    const cancelled = await post(`/orders/${orderId}/cancel`, { reason: 'found it cheaper' });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({
      status: 'CANCELLED',
      reason: 'found it cheaper',
      invoice: { status: 'VOID' },
    });
    expect(await read(orderId)).toMatchObject({ status: 'CANCELLED', invoice: { status: 'VOID' } });
    expect((await stockHead(stores.db, 'MN-003'))?.available).toBe(before);
    // The catalog read model followed the reservation and its release through the events.
    const product = (await (await fetch(`${base}/products/MN-003`)).json()) as { available: number };
    expect(product.available).toBe(before);
    const catalog = (await (await fetch(`${base}/catalog`)).json()) as { items: { sku: string }[] };
    expect(catalog.items.map((p) => p.sku)).toEqual(['CB-004', 'HS-005', 'KB-001', 'MN-003', 'MS-002']);
    const invoice = await billingInvoices(stores.db).findOne({ orderId });
    expect(invoice).toMatchObject({ status: 'VOID', voidReason: 'found it cheaper' });

    const repeated = await post(`/orders/${orderId}/cancel`, { reason: 'again' });
    expect(repeated.status).toBe(200);
    expect(await repeated.json()).toMatchObject({ status: 'CANCELLED', reason: 'found it cheaper' });
    const refused = await post(`/orders/${orderId}/payments`, {
      amount: 1,
      currency: 'EUR',
      reference: 'tx-9',
    });
    expect(refused.status).toBe(409);
    const unknown = await post(`/orders/no-such-order/payments`, {
      amount: 1,
      currency: 'EUR',
      reference: 'tx-9',
    });
    expect(unknown.status).toBe(404);
  });

  test('given an order awaiting payment, when an operator cancels its run with the Temporal CLI, then it is compensated and CANCELLED in the read models', async () => {
    const before = (await stockHead(stores.db, 'MS-002'))?.available ?? 0;
    const res = await placeOrder({
      customer: { id: 'cust-11', email: 'ops@example.com' },
      items: [{ sku: 'MS-002', quantity: 3 }],
    });
    const { orderId } = (await res.json()) as { orderId: string };
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    // What the Web UI's "Request Cancellation" does, typed by an operator.
    execFileSync(
      binaries(cacheDir).temporal(),
      ['workflow', 'cancel', '--address', env.address, '--workflow-id', orderWorkflowId(orderId)],
      { encoding: 'utf8' },
    );
    const handle = env.client.workflow.getHandle(orderWorkflowId(orderId));
    expect(await handle.result()).toMatchObject({ status: 'CANCELLED', reason: OPERATOR_CANCELLATION });
    expect(await read(orderId)).toMatchObject({
      status: 'CANCELLED',
      reason: OPERATOR_CANCELLATION,
      invoice: { status: 'VOID' },
    });
    expect(await read(orderId, '?consistency=strong')).toMatchObject({ status: 'CANCELLED' });
    expect((await stockHead(stores.db, 'MS-002'))?.available).toBe(before);
    expect(await billingInvoices(stores.db).findOne({ orderId })).toMatchObject({
      status: 'VOID',
      voidReason: OPERATOR_CANCELLATION,
    });
    const mail = await eventually(
      async () => (await mailbox.messages()).filter((m) => m.to.includes('ops@example.com')),
      (list) => list.length === 3,
    );
    expect(mail.map((m) => m.subject)).toContain(`Order ${orderId} cancelled`);
  });

  /** The runs Temporal keeps under an order's workflow id. */
  const runsOf = async (orderId: string) => {
    const runs: string[] = [];
    for await (const r of env.client.workflow.list({ query: `WorkflowId = '${orderWorkflowId(orderId)}'` })) {
      runs.push(r.status.name);
    }
    return runs;
  };

  test('given an Idempotency-Key, when the same order is posted twice at once, then one order with one run', async () => {
    const body = {
      customer: { id: 'cust-7', email: 'lin@example.com' },
      items: [{ sku: 'MS-002', quantity: 1 }],
    };
    const [a, b] = await Promise.all([placeOrder(body, 'same-key-1'), placeOrder(body, 'same-key-1')]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const [first, second] = (await Promise.all([a.json(), b.json()])) as { orderId: string }[];
    expect(second?.orderId).toBe(first?.orderId);
    const orderId = first?.orderId ?? '';
    expect(orderId).not.toBe('same-key-1'); // the order id is the server's
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    expect(await runsOf(orderId)).toHaveLength(1);
  });

  test('given two customers, when both use the same Idempotency-Key, then each has an order of their own', async () => {
    const items = [{ sku: 'CB-004', quantity: 1 }];
    const mine = await placeOrder({ customer: { id: 'cust-a', email: 'a@example.com' }, items }, 'order-1');
    const theirs = await placeOrder({ customer: { id: 'cust-b', email: 'b@example.com' }, items }, 'order-1');
    expect([mine.status, theirs.status]).toEqual([202, 202]);
    const [a, b] = (await Promise.all([mine.json(), theirs.json()])) as { orderId: string }[];
    expect(a?.orderId).not.toBe(b?.orderId);
    for (const [id, customer] of [
      [a?.orderId ?? '', 'cust-a'],
      [b?.orderId ?? '', 'cust-b'],
    ] as const) {
      const view = await eventually(
        () => read(id),
        (v) => v.status === 'AWAITING_PAYMENT',
      );
      expect(view).toMatchObject({ customer: { id: customer } });
    }
  });

  test('given an order that ended and whose run retention deleted, when its Idempotency-Key is posted again, then the same order answers 202 and nothing runs, reserves or invoices again; another body is a 422', async () => {
    const before = (await stockHead(stores.db, 'MN-003'))?.available ?? 0;
    const body = {
      customer: { id: 'cust-10', email: 'kay@example.com' },
      items: [{ sku: 'MN-003', quantity: 3 }],
    };
    const placed = await placeOrder(body, 'ended-key-1');
    expect(placed.status).toBe(202);
    const { orderId } = (await placed.json()) as { orderId: string };
    await eventually(
      () => read(orderId),
      (v) => v.status === 'AWAITING_PAYMENT',
    );
    expect((await post(`/orders/${orderId}/cancel`, { reason: 'changed my mind' })).status).toBe(200);
    const invoice = await billingInvoices(stores.db).findOne({ orderId });
    // What retention does a day later.
    execFileSync(
      binaries(cacheDir).temporal(),
      ['workflow', 'delete', '--yes', '--address', env.address, '--workflow-id', orderWorkflowId(orderId)],
      { encoding: 'utf8' },
    );
    /** The current run as Temporal describes it; none once deleted (visibility lags behind). */
    const run = async () => {
      try {
        return (await env.client.workflow.getHandle(orderWorkflowId(orderId)).describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return 'none';
        throw err;
      }
    };
    await eventually(run, (r) => r === 'none', { timeoutMs: 90_000 });

    // The client's retry, long after: keys written in another order are the same request.
    const again = await placeOrder(
      { customer: body.customer, items: [{ quantity: 3, sku: 'MN-003' }] },
      'ended-key-1',
    );
    expect(again.status).toBe(202);
    expect(await again.json()).toMatchObject({ orderId, status: 'PLACED' });
    const other = await placeOrder({ ...body, items: [{ sku: 'MN-003', quantity: 1 }] }, 'ended-key-1');
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toContain('application/problem+json');
    expect(await other.json()).toMatchObject({
      errors: [{ field: 'headers.idempotency-key', message: 'already used with a different request body' }],
    });
    expect(await run()).toBe('none');
    expect((await stockHead(stores.db, 'MN-003'))?.available).toBe(before);
    expect(await billingInvoices(stores.db).find({ orderId }).toArray()).toEqual([invoice]);
    expect(await read(orderId)).toMatchObject({ status: 'CANCELLED', invoice: { status: 'VOID' } });
  });

  test('given too little stock, when an order is placed, then it ends REJECTED with the reason', async () => {
    const res = await placeOrder({
      customer: { id: 'cust-9', email: 'max@example.com' },
      items: [{ sku: 'HS-005', quantity: 99 }],
    });
    const { orderId } = (await res.json()) as { orderId: string };
    const view = await eventually(
      async () =>
        (await fetch(`${base}/orders/${orderId}`, { headers: AS_SUPPORT })).json() as Promise<{
          status?: string;
          reason?: string;
        }>,
      (v) => v.status === 'REJECTED',
    );
    expect(view.reason).toBe('insufficient stock for HS-005: 99 requested');
  });

  test('given an unknown id, when it is read, then the answer is a 404 problem', async () => {
    const res = await fetch(`${base}/orders/does-not-exist`, { headers: AS_SUPPORT });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });
});
