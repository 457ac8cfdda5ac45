import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { OrderSnapshot } from '../workflows/order';
import type { InjectOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { testApp } from '../test/helpers/app';
import { AS_ADMIN, AS_SUPPORT, asCustomer } from '../test/helpers/auth';

/** The customer of SNAPSHOT: the one who may pay and cancel it. */
const OWNER = asCustomer({ id: 'c-1', email: 'ada@example.com' });

const SNAPSHOT = {
  orderId: 'o-1',
  status: 'COMPLETED',
  customer: { id: 'c-1', email: 'ada@example.com' },
  items: [{ sku: 'KB-001', quantity: 1 }],
  lines: [],
  total: 8900,
  currency: 'EUR',
  invoice: { invoiceId: 'inv-o-1', number: 1, dueAt: '2026-01-03T00:00:00.000Z', status: 'ISSUED' },
  payment: { reference: 'tx-1', amount: 8900, currency: 'EUR', receivedAt: '2026-01-01T00:00:00.000Z' },
  reason: null,
  placedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 6,
  timeline: [],
  pending: { payment: null, cancellation: null, closing: null },
} satisfies OrderSnapshot;

interface Fake {
  /** what `startUpdate` does: resolve to an update handle, or throw */
  startUpdate?: () => Promise<{ result(): Promise<unknown> }>;
  /** the run's status for `describe`, or 'missing' */
  run?: string;
  query?: () => Promise<unknown>;
}

async function appWith(fake: Fake) {
  const updates: { name: string; updateId: string; args: unknown[] }[] = [];
  const queries = { n: 0 };
  const handle = {
    startUpdate: async (def: { name: string }, opts: { updateId: string; args: unknown[] }) => {
      updates.push({ name: def.name, updateId: opts.updateId, args: opts.args });
      return (fake.startUpdate ?? (async () => ({ result: async () => SNAPSHOT })))();
    },
    describe: async () => {
      if (fake.run === 'missing' || fake.run === undefined)
        throw new WorkflowNotFoundError('no', 'order-o-1', undefined);
      return { runId: 'run-1', status: { name: fake.run } };
    },
    query: async () => {
      queries.n++;
      return (fake.query ?? (async () => SNAPSHOT))();
    },
  };
  const client = {
    workflow: { getHandle: () => handle },
    withDeadline: <T>(_d: number, fn: () => Promise<T>) => fn(),
  } as unknown as Client;
  // The read models know nothing yet: the owner is asked of the workflow (SNAPSHOT's customer).
  const app = await testApp({
    temporal: client,
    redis: { hget: async () => null } as unknown as Redis,
    db: { collection: () => ({ findOne: async () => null }) } as unknown as Db,
    commandTiming: { acceptWithinMs: 1000, answerWithinMs: 50 },
  });
  const inject = (req: { method: 'GET' | 'POST'; url: string; payload?: unknown; headers?: object }) =>
    app.inject({ headers: OWNER, ...req } as InjectOptions);
  return { app: { inject, close: () => app.close() }, updates, queries };
}

const pay = { amount: 8900, currency: 'EUR', reference: 'tx-1' };
const refused = (message: string, type: string, field: string | null) => async () => {
  throw new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ message, type, nonRetryable: true, details: [{ field }] }),
  );
};

describe('POST /orders/:id/payments and /cancel', () => {
  test.each([
    ['amount as a string', { ...pay, amount: '8900' }, 'body.amount'],
    ['amount 0', { ...pay, amount: 0 }, 'body.amount'],
    ['amount with cents as a fraction', { ...pay, amount: 89.5 }, 'body.amount'],
    ['lower-case currency', { ...pay, currency: 'eur' }, 'body.currency'],
    ['no reference', { amount: 8900, currency: 'EUR' }, 'body.reference'],
    ['reference with spaces', { ...pay, reference: 'a b' }, 'body.reference'],
    ['an unknown field', { ...pay, card: '4111111111111111' }, 'body.card'],
  ])('given %s, when paying, then 400 names the field and no command is sent', async (_n, body, field) => {
    const { app, updates } = await appWith({});
    const res = await app.inject({ method: 'POST', url: '/orders/o-1/payments', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
    expect(updates).toEqual([]);
  });

  test.each([
    ['no reason', {}],
    ['an empty reason', { reason: '' }],
    ['a blank reason', { reason: '   ' }],
  ])('given %s, when cancelling, then 400 and no command is sent', async (_n, body) => {
    const { app, updates } = await appWith({});
    const res = await app.inject({ method: 'POST', url: '/orders/o-1/cancel', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('body.reason');
    expect(updates).toEqual([]);
  });

  test('given a valid payment, when the workflow completes it in time, then 200 with the order, keyed by the reference', async () => {
    const { app, updates } = await appWith({});
    const res = await app.inject({ method: 'POST', url: '/orders/o-1/payments', payload: pay });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'COMPLETED', freshness: { source: 'workflow', seq: 6 } });
    expect(updates).toEqual([{ name: 'payOrder', updateId: 'payment:tx-1', args: [pay] }]);
  });

  test('given the workflow refuses the amount, then 422 problem+json names body.amount', async () => {
    const { app } = await appWith({
      startUpdate: refused('must be the invoice total 8900 (89.00 EUR)', 'PAYMENT_MISMATCH', 'amount'),
    });
    const res = await app.inject({
      method: 'POST',
      url: '/orders/o-1/payments',
      payload: { ...pay, amount: 1 },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toEqual({
      type: 'urn:problem:payment_mismatch',
      title: 'Unprocessable content',
      status: 422,
      detail: 'must be the invoice total 8900 (89.00 EUR)',
      instance: '/orders/o-1/payments',
      errors: [{ field: 'body.amount', message: 'must be the invoice total 8900 (89.00 EUR)' }],
    });
  });

  test.each([
    ['ORDER_NOT_AWAITING_PAYMENT', 'payments', pay],
    ['ORDER_ALREADY_PAID', 'cancel', { reason: 'x' }],
    ['ORDER_CLOSED', 'cancel', { reason: 'x' }],
  ])('given the workflow refuses with %s, then 409', async (code, path, body) => {
    const { app } = await appWith({ startUpdate: refused('no', code, null) });
    const res = await app.inject({ method: 'POST', url: `/orders/o-1/${path}`, payload: body });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, type: `urn:problem:${code.toLowerCase()}` });
  });

  test('given the command is accepted but still running, when the API stops waiting, then 202 with Location', async () => {
    const { app } = await appWith({
      startUpdate: async () => ({ result: () => new Promise(() => undefined) }),
    });
    const res = await app.inject({ method: 'POST', url: '/orders/o-1/cancel', payload: { reason: 'x' } });
    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe('/orders/o-1');
    expect(res.json()).toEqual({ orderId: 'o-1', accepted: 'cancellation', links: { self: '/orders/o-1' } });
  });

  test.each([
    ['missing', 404],
    ['COMPLETED', 409],
  ])('given the run is %s, when a command is sent, then %s', async (run, status) => {
    const { app } = await appWith({
      run,
      startUpdate: async () => {
        throw new WorkflowNotFoundError('workflow execution already completed', 'order-o-1', undefined);
      },
    });
    const res = await app.inject({ method: 'POST', url: '/orders/o-1/cancel', payload: { reason: 'x' } });
    expect(res.statusCode).toBe(status);
  });

  test('given the run closed after this payment, when the same payment is sent again, then 200 with the order; another payment is a 409', async () => {
    const { app } = await appWith({
      run: 'COMPLETED',
      startUpdate: async () => {
        throw new WorkflowNotFoundError('workflow execution already completed', 'order-o-1', undefined);
      },
    });
    const same = await app.inject({ method: 'POST', url: '/orders/o-1/payments', payload: pay });
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ status: 'COMPLETED', payment: { reference: 'tx-1' } });
    const other = await app.inject({
      method: 'POST',
      url: '/orders/o-1/payments',
      payload: { ...pay, reference: 'tx-2' },
    });
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ type: 'urn:problem:order_ended' });
    const cancel = await app.inject({ method: 'POST', url: '/orders/o-1/cancel', payload: { reason: 'x' } });
    expect(cancel.statusCode).toBe(409);
  });

  test('given Temporal is unreachable, when paying or reading strongly, then 503 without internals', async () => {
    const down = async () => {
      throw new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7233');
    };
    const { app } = await appWith({ run: 'RUNNING', startUpdate: down, query: down });
    const paid = await app.inject({ method: 'POST', url: '/orders/o-1/payments', payload: pay });
    const read = await app.inject({ method: 'GET', url: '/orders/o-1?consistency=strong' });
    for (const res of [paid, read]) {
      expect(res.statusCode).toBe(503);
      expect(res.body).not.toContain('ECONNREFUSED');
    }
  });

  test('given a strong read, then the answer is the workflow state; a bad consistency value is a 400', async () => {
    const { app } = await appWith({ run: 'RUNNING' });
    const strong = await app.inject({ method: 'GET', url: '/orders/o-1?consistency=strong' });
    expect(strong.statusCode).toBe(200);
    expect(strong.json()).toMatchObject({
      status: 'COMPLETED',
      pending: { payment: null, cancellation: null, closing: null },
    });
    const bad = await app.inject({ method: 'GET', url: '/orders/o-1?consistency=always' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('querystring.consistency');
  });

  test('given a closed order read strongly again and again, then its run is asked once; a running one each time', async () => {
    const closed = await appWith({ run: 'COMPLETED' });
    for (let i = 0; i < 3; i++) {
      const read = await closed.app.inject({ method: 'GET', url: '/orders/o-1?consistency=strong' });
      expect(read.json()).toMatchObject({ status: 'COMPLETED', freshness: { source: 'workflow' } });
    }
    expect(closed.queries.n).toBe(1);
    const running = await appWith({ run: 'RUNNING' });
    for (let i = 0; i < 3; i++) {
      await running.app.inject({ method: 'GET', url: '/orders/o-1?consistency=strong' });
    }
    expect(running.queries.n).toBe(3);
  });

  test('given a client waiting for its own order (minSeq) that the read models do not hold after the wait, then the workflow answers; another customer and an unknown order get 404', async () => {
    const { app, queries } = await appWith({ run: 'RUNNING' });
    const own = await app.inject({ method: 'GET', url: '/orders/o-1?minSeq=1' });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ orderId: 'o-1', freshness: { source: 'workflow' } });
    expect(queries.n).toBe(1);
    const mallory = asCustomer({ id: 'c-2', email: 'mallory@example.com' });
    const other = await app.inject({ method: 'GET', url: '/orders/o-1?minSeq=1', headers: mallory });
    expect(other.statusCode).toBe(404);
    const unknown = await appWith({
      run: 'missing',
      query: () => Promise.reject(new WorkflowNotFoundError('no', 'order-o-1', undefined)),
    });
    const none = await unknown.app.inject({ method: 'GET', url: '/orders/o-1?minSeq=1' });
    expect(none.statusCode).toBe(404);
  }, 20_000);

  test("given another customer's token, then its order is not found, for commands and reads alike, and nothing is sent", async () => {
    const { app, updates } = await appWith({});
    const mallory = asCustomer({ id: 'c-2', email: 'mallory@example.com' });
    for (const [url, payload] of [
      ['/orders/o-1/payments', pay],
      ['/orders/o-1/cancel', { reason: 'x' }],
    ] as const) {
      const res = await app.inject({ method: 'POST', url, payload, headers: mallory });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ title: 'Order not found' });
    }
    const read = await app.inject({ method: 'GET', url: '/orders/o-1?consistency=strong', headers: mallory });
    expect(read.statusCode).toBe(404);
    expect(updates).toEqual([]);
  });

  test('given staff, then support may read but not cancel, and an admin cancels any order', async () => {
    const { app, updates } = await appWith({ run: 'RUNNING' });
    const read = await app.inject({
      method: 'GET',
      url: '/orders/o-1?consistency=strong',
      headers: AS_SUPPORT,
    });
    expect(read.statusCode).toBe(200);
    const cancel = (reason: string, headers: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/orders/o-1/cancel', payload: { reason }, headers });
    expect((await cancel('x', AS_SUPPORT)).statusCode).toBe(403);
    const paid = await app.inject({
      method: 'POST',
      url: '/orders/o-1/payments',
      payload: pay,
      headers: AS_ADMIN,
    });
    expect(paid.statusCode).toBe(403);
    expect(updates).toEqual([]);
    expect((await cancel('fraud check', AS_ADMIN)).statusCode).toBe(200);
    expect(updates.map((u) => u.name)).toEqual(['cancelOrder']);
  });
});
