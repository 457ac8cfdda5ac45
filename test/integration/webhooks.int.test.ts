import { Webhook } from 'standardwebhooks';
import { freePort } from '../../stack/process';
import { deliveryWorkflowId } from '../../activities/webhook-dispatch';
import { eventually } from '../helpers/poll';
import { metricValue } from '../helpers/metrics';
import { startReceiver, type Receiver } from '../../bench/receiver';
import { startTestStack, type TestStack } from '../helpers/stack';
import { AS_ADMIN, AS_SUPPORT, asCustomer } from '../helpers/auth';
import { recordHistory } from '../helpers/histories';

interface Subscription {
  id: string;
  url: string;
  events: string[];
  secret: string;
  secretsExpire: (string | null)[];
}
interface Delivery {
  deliveryId: string;
  eventType: string;
  orderId: string;
  status: string;
  attempts: { n: number; status: number | null; error: string | null; latencyMs: number }[];
  reason: string | null;
  redrives: number;
}
interface DeadLetter {
  id: string;
  kind: string;
  status: string;
  why: string;
  attempts: number;
  lastError: string | null;
  orderId: string;
}

/**
 * Webhooks on the whole stack (dev server, real workers, FerretDB/mongod, Redis) to a real HTTP
 * receiver; every signature is checked with `standardwebhooks`, an implementation we did not write.
 * Retry window 4 s, waits 200 ms doubling up to 1 s, so that exhaustion happens within the test.
 */
describe('webhooks: signed, retried, dead-lettered, redriven', () => {
  let stack: TestStack;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    stack = await startTestStack('webhooks', {
      webhooks: { retry: { initialMs: 200, maxMs: 1_000, windowMs: 4_000 } },
    });
  }, 120_000);
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.stop()));
    await stack?.stop();
  }, 60_000);

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    as: Record<string, string> = AS_ADMIN,
  ) => {
    const res = await fetch(`${stack.base}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...as,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : null) as unknown };
  };
  const subscribe = async (url: string, events: string[]) => {
    const res = await call('POST', '/webhooks', { url, events });
    expect(res.status).toBe(201);
    return res.body as Subscription;
  };
  const receiver = async (port?: number) => {
    const r = await startReceiver(port);
    receivers.push(r);
    return r;
  };
  const customer = (id: string) => asCustomer({ id, email: `${id}@example.com` });
  const placeOrder = async (customerId: string) => {
    const res = await call(
      'POST',
      '/orders',
      { items: [{ sku: 'KB-001', quantity: 1 }] },
      customer(customerId),
    );
    expect(res.status).toBe(202);
    return (res.body as { orderId: string }).orderId;
  };
  const deliveries = async (subscriptionId: string) =>
    ((await call('GET', `/webhooks/${subscriptionId}/deliveries`)).body as { items: Delivery[] }).items;
  const deliveryOf = (subscriptionId: string, orderId: string, eventType: string) =>
    eventually(
      async () =>
        (await deliveries(subscriptionId)).find((d) => d.orderId === orderId && d.eventType === eventType),
      (d) => d !== undefined && d.status !== 'pending',
    ) as Promise<Delivery>;
  const runEnded = async (deliveryId: string) =>
    (await stack.env.client.workflow.getHandle(deliveryWorkflowId(deliveryId)).describe()).status.name;
  /** With RECORD_HISTORIES=1, the delivery's (latest) run, once closed, becomes a replay fixture. */
  const record = async (name: string, deliveryId: string, redrives = 0) => {
    if (process.env.RECORD_HISTORIES !== '1') return;
    const handle = stack.env.client.workflow.getHandle(deliveryWorkflowId(deliveryId, redrives));
    await handle.result();
    await recordHistory(`webhook-${name}`, await handle.fetchHistory());
  };

  test('given no token, or a token of a role other than admin, then the admin API answers 401 and 403 problem+json', async () => {
    const none = await call('GET', '/webhooks', undefined, {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect((await call('GET', '/webhooks', undefined, AS_SUPPORT)).status).toBe(403);
    expect((await call('GET', '/dead-letters', undefined, {})).status).toBe(401);
    expect((await call('POST', '/dead-letters/x/redrive', undefined, customer('wh-1'))).status).toBe(403);
  });

  test.each([
    ['http://10.1.2.3/hooks', 'private'],
    ['http://192.168.0.10/hooks', 'private'],
    ['http://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['http://[fd00::1]/hooks', 'uniqueLocal'],
    ['http://[::ffff:10.0.0.1]/hooks', 'private'],
    ['http://0.0.0.0/hooks', 'unspecified'],
  ])('given a target %s, then it is refused as SSRF with 422 naming body.url', async (url, range) => {
    const res = await call('POST', '/webhooks', { url, events: ['OrderPlaced'] });
    expect(res.status).toBe(422);
    const [error] = (res.body as { errors: { field: string; message: string }[] }).errors;
    expect(error?.field).toBe('body.url');
    expect(error?.message).toContain(range);
    expect(((await call('GET', '/webhooks')).body as { items: Subscription[] }).items).toEqual([]);
  });

  test.each([
    [{ url: 'ftp://example.com/x', events: ['OrderPlaced'] }, 'body.url'],
    [{ url: 'not a url', events: ['OrderPlaced'] }, 'body.url'],
    [{ url: 'http://example.com/x', events: [] }, 'body.events'],
    [{ url: 'http://example.com/x', events: ['OrderShipped'] }, 'body.events[0]'],
    [{ url: 'http://example.com/x' }, 'body.events'],
  ])('given %j, then 400 or 422 names %s and nothing is stored', async (body, field) => {
    const res = await call('POST', '/webhooks', body);
    expect([400, 422]).toContain(res.status);
    expect((res.body as { errors: { field: string }[] }).errors.map((e) => e.field)).toContain(field);
    expect(((await call('GET', '/webhooks')).body as { items: Subscription[] }).items).toEqual([]);
  });

  test('given a subscription to InvoiceIssued and OrderCompleted, when an order is paid, then both arrive signed per Standard Webhooks and are recorded as delivered', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['InvoiceIssued', 'OrderCompleted']);
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    // The secret is shown once: the list never has it.
    const listed = (await call('GET', '/webhooks')).body as { items: Record<string, unknown>[] };
    expect(listed.items.find((s) => s.id === sub.id)).not.toHaveProperty('secret');

    const orderId = await placeOrder('wh-happy');
    const invoiced = await eventually(
      () => call('GET', `/orders/${orderId}`),
      (res) => (res.body as { status: string }).status === 'AWAITING_PAYMENT',
    );
    const { total } = invoiced.body as { total: number };
    const paid = await call(
      'POST',
      `/orders/${orderId}/payments`,
      { amount: total, currency: 'EUR', reference: `tx-${orderId}` },
      customer('wh-happy'),
    );
    expect(paid.body).toMatchObject({ status: 'COMPLETED' });

    const mine = () => r.requests.filter((q) => q.body.includes(orderId));
    await eventually(
      async () => mine().length,
      (n) => n === 2,
    );
    const verifier = new Webhook(sub.secret);
    type Body = { type: string; timestamp: string; data: Record<string, unknown> };
    const bodies = mine().map((q) => verifier.verify(q.body, q.headers as Record<string, string>) as Body);
    expect(bodies.map((b) => b.type)).toEqual(['InvoiceIssued', 'OrderCompleted']);
    expect(bodies[0]?.data).toMatchObject({ orderId, seq: 4, total, currency: 'EUR' });
    expect(bodies[1]?.data).toEqual({ orderId, seq: 7 });
    for (const b of bodies) expect(Date.parse(b.timestamp)).not.toBeNaN();
    // A tampered body does not verify: the check above means something.
    const [first] = mine();
    expect(() =>
      verifier.verify(first?.body.replace('EUR', 'USD') ?? '', first?.headers as Record<string, string>),
    ).toThrow();
    const recorded = await deliveryOf(sub.id, orderId, 'InvoiceIssued');
    expect(recorded).toMatchObject({ status: 'delivered', attempts: [{ n: 1, status: 204, error: null }] });
    expect(first?.headers['webhook-id']).toBe(recorded.deliveryId);
    await record('delivered', recorded.deliveryId);
    expect((await call('DELETE', `/webhooks/${sub.id}`)).status).toBe(204);
  });

  test('given the receiver is down, when it comes back, then the event is delivered once it is up, with the same webhook-id on every attempt', async () => {
    const port = await freePort();
    const sub = await subscribe(`http://127.0.0.1:${port}/hooks`, ['OrderPlaced']);
    const orderId = await placeOrder('wh-down');
    // Two refused connections recorded, then the receiver starts on that port.
    await eventually(
      async () => (await deliveries(sub.id)).find((d) => d.orderId === orderId),
      (d) => (d?.attempts.length ?? 0) >= 2,
    );
    const r = await receiver(port);
    const done = await deliveryOf(sub.id, orderId, 'OrderPlaced');
    expect(done.status).toBe('delivered');
    expect(
      done.attempts.slice(0, -1).every((a) => a.status === null && /ECONNREFUSED/.test(a.error ?? '')),
    ).toBe(true);
    expect(done.attempts.at(-1)).toMatchObject({ status: 204 });
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]?.headers['webhook-id']).toBe(done.deliveryId);
    new Webhook(sub.secret).verify(
      r.requests[0]?.body ?? '',
      r.requests[0]?.headers as Record<string, string>,
    );
    await record('retried-until-up', done.deliveryId);
    await call('DELETE', `/webhooks/${sub.id}`);
  });

  test('given a receiver answering 410 Gone, then it is not retried: one attempt, a dead letter, the run ended', async () => {
    const r = await receiver();
    r.respondWith(410);
    const sub = await subscribe(r.url, ['OrderPlaced']);
    const orderId = await placeOrder('wh-gone');
    const dead = await deliveryOf(sub.id, orderId, 'OrderPlaced');
    expect(dead).toMatchObject({ status: 'dead', attempts: [{ n: 1, status: 410 }] });
    expect(dead.reason).toContain('permanent');
    // The run ends right after recording that (no timer left to retry on).
    const run = await eventually(
      () => runEnded(dead.deliveryId),
      (s) => s !== 'RUNNING',
    );
    expect(run).toBe('COMPLETED');
    expect(r.requests).toHaveLength(1);
    const letter = (await call('GET', `/dead-letters/${dead.deliveryId}`)).body as DeadLetter;
    expect(letter).toMatchObject({ kind: 'webhook', status: 'open', attempts: 1, orderId });
    expect(
      await metricValue(stack.metrics.webhooks.registry, 'webhook_deliveries_total', {
        outcome: 'permanent',
      }),
    ).toBeGreaterThanOrEqual(1);
    await record('gone', dead.deliveryId);
    await call('DELETE', `/webhooks/${sub.id}`);
  });

  test('given a receiver failing with 500 for the whole retry window, then a dead letter; when redriven after it recovers, then delivered with the same webhook-id', async () => {
    const r = await receiver();
    r.respondWith(500);
    const sub = await subscribe(r.url, ['OrderPlaced']);
    const orderId = await placeOrder('wh-exhausted');
    const dead = await eventually(
      () => deliveryOf(sub.id, orderId, 'OrderPlaced'),
      (d) => d.status === 'dead',
      { timeoutMs: 30_000 },
    );
    expect(dead.reason).toMatch(/no success within the retry window/);
    expect(dead.attempts.length).toBeGreaterThanOrEqual(3);
    expect(dead.attempts.every((a) => a.status === 500)).toBe(true);
    // The delivery's record and its dead letter are two projections: the letter may land a moment later.
    const letter = await eventually(
      async () =>
        ((await call('GET', '/dead-letters?status=open')).body as { items: DeadLetter[] }).items.find(
          (l) => l.id === dead.deliveryId,
        ),
      (l) => l !== undefined,
    );
    expect(letter).toMatchObject({
      status: 'open',
      attempts: dead.attempts.length,
      lastError: 'HTTP 500: status 500',
    });

    await record('exhausted', dead.deliveryId);
    r.respondWith(200);
    const redrive = await call('POST', `/dead-letters/${dead.deliveryId}/redrive`);
    expect(redrive.status).toBe(202);
    expect(redrive.headers.get('location')).toBe(`/dead-letters/${dead.deliveryId}`);
    expect(redrive.body).toMatchObject({ workflowId: `webhook-${dead.deliveryId}-redrive-1` });
    const redriven = await eventually(
      async () => (await call('GET', `/dead-letters/${dead.deliveryId}`)).body as DeadLetter,
      (l) => l.status === 'redriven',
    );
    expect(redriven.attempts).toBe(dead.attempts.length + 1);
    const ids = new Set(
      r.requests.filter((q) => q.body.includes(orderId)).map((q) => q.headers['webhook-id']),
    );
    expect([...ids]).toEqual([dead.deliveryId]);
    expect(r.requests.at(-1)?.status).toBe(200);
    await record('redriven', dead.deliveryId, 1);
    // Redriven once is enough: again is a conflict, and so is an unknown one a 404.
    expect((await call('POST', `/dead-letters/${dead.deliveryId}/redrive`)).status).toBe(409);
    expect((await call('POST', '/dead-letters/msg_nothing/redrive')).status).toBe(404);
    await call('DELETE', `/webhooks/${sub.id}`);
  }, 60_000);

  test('given a rotated secret, then deliveries verify with the new secret and, during the overlap, the old one', async () => {
    const r = await receiver();
    const sub = await subscribe(r.url, ['OrderPlaced']);
    const rotated = await call('POST', `/webhooks/${sub.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const { secret, secretsExpire } = rotated.body as Subscription;
    expect(secret).not.toBe(sub.secret);
    expect(secretsExpire).toHaveLength(2);
    expect(secretsExpire.filter((e) => e === null)).toHaveLength(1);

    const orderId = await placeOrder('wh-rotated');
    const request = await eventually(
      async () => r.requests.find((q) => q.body.includes(orderId)),
      (q) => q !== undefined,
    );
    const headers = request?.headers as Record<string, string>;
    expect(headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(secret).verify(request?.body ?? '', headers)).toMatchObject({ type: 'OrderPlaced' });
    expect(new Webhook(sub.secret).verify(request?.body ?? '', headers)).toMatchObject({
      type: 'OrderPlaced',
    });
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(request?.body ?? '', headers),
    ).toThrow();

    expect((await call('POST', '/webhooks/whs_unknown/rotate-secret')).status).toBe(404);
    expect((await call('DELETE', `/webhooks/${sub.id}`)).status).toBe(204);
    expect((await call('DELETE', `/webhooks/${sub.id}`)).status).toBe(404);
    const left = (await call('GET', '/webhooks')).body as { items: Subscription[] };
    expect(left.items.map((s) => s.id)).not.toContain(sub.id);
  });
});
