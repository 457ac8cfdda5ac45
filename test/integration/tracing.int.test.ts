import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startReceiver, type Receiver } from '../../bench/receiver';
import { startTracing, type Tracing } from '../../infra/tracing';
import { AS_ADMIN, asCustomer } from '../helpers/auth';
import { eventually } from '../helpers/poll';
import { startTestStack, type TestStack } from '../helpers/stack';

/** Spans of one trace by id, and each span's chain of names up to the trace's root. */
function treeOf(spans: ReadableSpan[], traceId: string) {
  const mine = spans.filter((s) => s.spanContext().traceId === traceId);
  const byId = new Map(mine.map((s) => [s.spanContext().spanId, s]));
  const chain = (span: ReadableSpan): string[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [...chain(parent), span.name] : [span.name];
  };
  return {
    names: mine.map((s) => s.name),
    chain: (name: string) => chain(mine.find((s) => s.name === name) as ReadableSpan),
  };
}

/**
 * One trace per order (issue 20): the whole stack in-process with tracing to memory; an order placed
 * over HTTP is one trace from the API's request span through the saga's run, its activities (local
 * ones too), the projection, to the webhook delivery run the projector starts.
 */
describe('tracing: one trace per order', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let stack: TestStack;
  let receiver: Receiver;

  beforeAll(async () => {
    tracing = startTracing('order-saga-test', exporter, { immediate: true });
    stack = await startTestStack('tracing', { tracing });
    receiver = await startReceiver();
  }, 120_000);
  afterAll(async () => {
    await receiver?.stop();
    await stack?.stop();
    await tracing?.shutdown();
  }, 60_000);

  const call = async (method: string, path: string, as: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...as },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('given an order placed and paid, then its request, saga run, activities, projection, webhook delivery and payment are one trace', async () => {
    expect(
      (await call('POST', '/webhooks', AS_ADMIN, { url: receiver.url, events: ['OrderCompleted'] })).status,
    ).toBe(201);
    const customer = asCustomer({ id: 'traced-1', email: 'traced-1@example.com' });
    const placed = await call('POST', '/orders', customer, { items: [{ sku: 'KB-001', quantity: 1 }] });
    expect(placed.status).toBe(202);
    const orderId = String(placed.body.orderId);
    const awaiting = await eventually(
      async () => (await call('GET', `/orders/${orderId}`, customer)).body,
      (o) => o.status === 'AWAITING_PAYMENT',
    );
    const paid = await call('POST', `/orders/${orderId}/payments`, customer, {
      amount: awaiting.total,
      currency: awaiting.currency,
      reference: `pay-${orderId}`,
    });
    expect([200, 202]).toContain(paid.status);
    // the delivery run's spans are exported when it ends, after the receiver got its request
    const spans = await eventually(
      async () => {
        await tracing.flush();
        return exporter.getFinishedSpans();
      },
      (all) => all.some((s) => s.name === 'RunWorkflow:webhookDeliveryWorkflow'),
    );
    expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
    // the probes are not traced
    expect((await fetch(`${stack.base}/health/live`)).status).toBe(200);
    await tracing.flush();
    expect(exporter.getFinishedSpans().filter((s) => s.name.includes('/health/'))).toEqual([]);
    const root = spans.find((s) => s.name === 'POST /orders' && !s.parentSpanId);
    expect(root?.attributes['order.id']).toBe(orderId);
    const tree = treeOf(spans, root?.spanContext().traceId ?? '');
    const run = ['POST /orders', 'StartWorkflow:orderWorkflow', 'RunWorkflow:orderWorkflow'];
    // the API's request → the workflow start → the saga's run
    expect(tree.chain('RunWorkflow:orderWorkflow')).toEqual(run);
    // a local activity (the reservation) runs under the saga's run
    expect(tree.chain('RunActivity:reserveStock')).toEqual([
      ...run,
      'StartActivity:reserveStock',
      'RunActivity:reserveStock',
    ]);
    // the projector starts the delivery run inside its activity: the same trace goes on
    expect(tree.chain('RunActivity:attemptDelivery')).toEqual([
      ...run,
      'StartActivity:projectEvents',
      'RunActivity:projectEvents',
      'StartWorkflow:webhookDeliveryWorkflow',
      'RunWorkflow:webhookDeliveryWorkflow',
      'StartActivity:attemptDelivery',
      'RunActivity:attemptDelivery',
    ]);
    // the payment, another request, joins the order's trace, linked to its own request's trace
    expect(tree.chain('HandleUpdate:payOrder')).toEqual([
      'POST /orders',
      'PayOrder',
      'StartWorkflowUpdate:payOrder',
      'HandleUpdate:payOrder',
    ]);
    const pay = spans.find((s) => s.name === 'PayOrder');
    const payRequest = spans.find((s) => s.name === 'POST /orders/:id/payments');
    expect(pay?.links.map((l) => l.context.spanId)).toEqual([payRequest?.spanContext().spanId]);
    // what the payment caused in the saga is in the order's trace too
    expect(tree.names.filter((n) => n === 'RunActivity:projectEvents').length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
