import { Progress } from '../scripts/progress';
import { connectTemporal } from '../worker/clients';
import type { PayloadKeys } from '../infra/payload-codec';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import { serviceUrls } from '../config';
import { waitFor } from '../stack/process';
import type { Stack } from '../stack/stack';
import { verifyReadModels } from '../projections/verify';
import { orderKey } from '../projections/orders/redis';
import {
  addStock,
  pool,
  stackEnvironment,
  positiveInt,
  resultFile,
  RUN_FLAGS,
  startReadyStack,
} from './load';
import { call, json } from './http';
import { startReceiver, type Receiver } from './receiver';
import { hostileRequests } from './hostile';
import { CASES, CLUSTER_ONLY, type CaseName } from './chaos-cases';
import type { Topology } from '../stack/stack';
import { CHAOS_SKU, isEnded, PatientClient } from './patient-client';
import {
  dueDateRaceCase,
  operatorCancelCase,
  operatorTerminateCase,
  type CaseOutcome,
  type Ends,
} from './chaos-operator';
import { authOf, BenchTokens, forgedTokens } from './tokens';
import { ordersCollection } from '../projections/orders/view';
import { productsCollection } from '../projections/products/view';

/**
 * `npm run chaos`: the whole stack on its own ports; each case runs orders through the API while a
 * real fault happens (a worker SIGKILLed, the Temporal server restarted, Redis or the Mongo-compatible
 * store stopped, a receiver failing half its webhooks), then checks the invariants: every order
 * terminal, one invoice per order and gap-free numbers, stock conserved and its ledger adding up,
 * read models equal to the histories (the verify command's check), Redis caught up, no email or
 * webhook lost (duplicates recognisable by id). Two more cases send hostile input and admin calls.
 */

const SKU = CHAOS_SKU;

interface Options {
  orders: number;
  concurrency: number;
  outageMs: number;
  hostile: number;
  cases: CaseName[];
  out: string;
  keep: boolean;
  topology: Topology;
}

function options(): Options {
  const { values } = parseArgs({
    options: { ...RUN_FLAGS, outage: { type: 'string' }, case: { type: 'string', multiple: true } },
  });
  const smoke = values.smoke ?? false;
  const topology: Topology = values.cluster ? 'cluster' : 'dev';
  const all = topology === 'cluster' ? CASES : CASES.filter((c) => !CLUSTER_ONLY.includes(c));
  const cases = (values.case ?? [...all]) as CaseName[];
  for (const c of cases) {
    if (!CASES.includes(c)) throw new Error(`unknown case ${c}; cases: ${CASES.join(', ')}`);
    if (!all.includes(c)) throw new Error(`case ${c} needs --cluster`);
  }
  return {
    orders: positiveInt(values.orders, smoke ? 12 : 300, 'orders'),
    concurrency: positiveInt(values.concurrency, smoke ? 4 : 16, 'concurrency'),
    outageMs: positiveInt(values.outage, smoke ? 2 : 10, 'outage') * 1000,
    hostile: smoke ? 200 : 1000,
    cases,
    out: resultFile(values.out, 'chaos'),
    keep: values.keep ?? false,
    topology,
  };
}

const log = (msg: string) => console.log(`[chaos] ${msg}`);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Check {
  ok: boolean;
  detail: string;
}
interface CaseReport {
  name: CaseName;
  fault: string;
  seconds: number;
  orders: number;
  observed: Record<string, unknown>;
  invariants: Record<string, Check>;
  ok: boolean;
}

interface Context {
  o: Options;
  stack: Stack;
  /** the stack's environment */
  env: NodeJS.ProcessEnv;
  api: string;
  /** the callers' tokens, signed with the stack's secret */
  tokens: BenchTokens;
  db: Db;
  redis: Redis;
  temporal: Client;
  /** the stack's payload key ring (the event log is sealed with it) */
  keys: PayloadKeys | undefined;
  receiver: Receiver;
}

/**
 * Customer n's order placed and paid through faults (see PatientClient); returns how it ended and what
 * the client had to retry.
 */
async function placeAndPayThroughFaults(
  api: string,
  tokens: BenchTokens,
  key: string,
  n: number,
  placed: (orderId: string) => void,
): Promise<{ orderId: string; status: string; retries: number; errors: string[] }> {
  const client = new PatientClient(api, tokens);
  const orderId = await client.place(key, n);
  placed(orderId);
  let order = await client.readUntil(orderId, (o) => o.status === 'AWAITING_PAYMENT' || isEnded(o));
  if (order.status === 'AWAITING_PAYMENT') {
    await client.pay(orderId, order);
    order = await client.readUntil(orderId, isEnded);
  }
  return { orderId, status: order.status, retries: client.retries, errors: [...client.errors] };
}

/**
 * Runs the case's orders with `fault` started once a third of them are placed; the fault is given the
 * ids of the orders placed so far.
 */
async function ordersUnderFault(
  ctx: Context,
  name: string,
  fault: (placed: string[]) => Promise<Record<string, unknown>>,
): Promise<CaseOutcome> {
  const keys = Array.from({ length: ctx.o.orders }, (_, i) => `${name}-${i}`);
  const placed: string[] = [];
  let trigger!: () => void;
  const third = new Promise<void>((r) => (trigger = r));
  const faulted = third.then(() => fault(placed));
  const runs = await pool(
    keys.length,
    ctx.o.concurrency,
    (i) =>
      placeAndPayThroughFaults(ctx.api, ctx.tokens, keys[i] ?? '', i, (orderId) => {
        if (placed.push(orderId) >= Math.ceil(keys.length / 3)) trigger();
      }),
    new Progress(`chaos ${name}`, keys.length),
  );
  const observed = await faulted;
  const statuses: Record<string, number> = {};
  for (const r of runs) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    ends: new Map(runs.map((r) => [r.orderId, 'COMPLETED'])),
    observed: {
      ...observed,
      statuses,
      clientRetries: runs.reduce((a, r) => a + r.retries, 0),
      paymentsRetried: runs.reduce((a, r) => a + r.errors.filter((e) => e.startsWith('pay ')).length, 0),
      retriedErrors: [...new Set(runs.flatMap((r) => r.errors))].slice(0, 6),
    },
  };
}

const check = (ok: boolean, detail: string): Check => ({ ok, detail });

/** Who is told what, by how the order ends (a cancelled order may or may not have been confirmed). */
const EMAIL_KINDS = {
  COMPLETED: ['order-received', 'order-confirmed', 'order-paid'],
  CANCELLED: ['order-received', 'order-cancelled'],
};

/** The invariants after a case, over its orders (each to end as `ends` says) and over the whole store. */
async function invariants(ctx: Context, ends: Ends): Promise<Record<string, Check>> {
  const out: Record<string, Check> = {};
  const { db } = ctx;
  const ids = [...ends.keys()];
  const completed = ids.filter((id) => ends.get(id) === 'COMPLETED');

  // Every order terminal, in Temporal and in the read model. A run closes after its last email and
  // that email's event are projected, a moment after the client saw COMPLETED: wait for it.
  const closed = async () => {
    const runs = await Promise.all(
      ids.map((id) =>
        ctx.temporal.workflow
          .getHandle(`order-${id}`)
          .describe()
          .then((d) => d.status.name),
      ),
    );
    return runs.filter((s) => s === 'COMPLETED').length;
  };
  await waitFor('every run closed', async () => (await closed()) === ids.length, {
    timeoutMs: 120_000,
    intervalMs: 250,
  }).catch(() => undefined);
  const runsClosed = await closed();
  type Doc = { _id: string; status: string; version: number; payment: unknown; timeline: { type: string }[] };
  const docs = await db
    .collection<Doc>('orders')
    .find({ _id: { $in: ids } })
    .toArray();
  const notDone = ids.filter((id) => docs.find((d) => d._id === id)?.status !== ends.get(id));
  out.everyOrderTerminal = check(
    notDone.length === 0 && runsClosed === ids.length,
    `${ids.length - notDone.length}/${ids.length} ended as expected in the read model (${completed.length} COMPLETED, ${ids.length - completed.length} CANCELLED), ${runsClosed}/${ids.length} runs closed`,
  );

  // A cancelled order has no payment recorded; a completed one has exactly one.
  const paidCancelled = docs.filter(
    (d) =>
      d.status === 'CANCELLED' &&
      (d.payment !== null || d.timeline.some((e) => e.type === 'PaymentReceived')),
  );
  const unpaidCompleted = docs.filter(
    (d) => d.status === 'COMPLETED' && d.timeline.filter((e) => e.type === 'PaymentReceived').length !== 1,
  );
  out.noPaymentOnCancelled = check(
    paidCancelled.length === 0 && unpaidCompleted.length === 0,
    `${paidCancelled.length} cancelled orders with a payment, ${unpaidCompleted.length} completed orders without exactly one`,
  );

  // One invoice per completed order, at most one per cancelled order (one cancelled before its invoice
  // has none) and that one void; numbers 1..n without gap or repeat over the whole register.
  const invoices = await db
    .collection<{ orderId: string; number: number; status: string }>('billing_invoices')
    .find({}, { projection: { orderId: 1, number: 1, status: 1 } })
    .toArray();
  const perOrder = new Map<string, { count: number; open: number }>();
  for (const inv of invoices) {
    const seen = perOrder.get(inv.orderId) ?? { count: 0, open: 0 };
    perOrder.set(inv.orderId, { count: seen.count + 1, open: seen.open + (inv.status === 'VOID' ? 0 : 1) });
  }
  const wrong = ids.filter((id) => {
    const { count, open } = perOrder.get(id) ?? { count: 0, open: 0 };
    return ends.get(id) === 'COMPLETED' ? count !== 1 || open !== 1 : count > 1 || open > 0;
  });
  const numbers = invoices.map((i) => i.number).sort((a, b) => a - b);
  const gapFree = numbers.every((n, i) => n === i + 1);
  const cancelledInvoiced = ids.filter((id) => ends.get(id) === 'CANCELLED' && perOrder.has(id)).length;
  out.oneInvoicePerOrderGapFree = check(
    wrong.length === 0 && gapFree,
    `${ids.length - wrong.length}/${ids.length} orders with their invoice right (${completed.length} completed with one issued, ${cancelledInvoiced} of ${ids.length - completed.length} cancelled with one void, the others none); register 1..${numbers.length} ${gapFree ? 'gap-free' : 'HAS GAPS OR REPEATS'}`,
  );

  // Stock conserved: initial (seed + adjustments) − sold = available, and each movement adds up.
  const moves = await db
    .collection<{ seq: number; kind: string; delta: number; available: number; orderId: string | null }>(
      'stock_movements',
    )
    .find({ sku: SKU })
    .sort({ seq: 1 })
    .toArray();
  let balance = 0;
  let addsUp = true;
  for (const [i, m] of moves.entries()) {
    balance += m.delta;
    if (m.seq !== i + 1 || m.available !== balance) addsUp = false;
  }
  const initial = moves
    .filter((m) => m.kind === 'seed' || m.kind === 'adjust')
    .reduce((a, m) => a + m.delta, 0);
  const sold = await db.collection('orders').countDocuments({ status: 'COMPLETED', 'items.sku': SKU });
  const available = moves.at(-1)?.available ?? 0;
  const product = await db.collection<{ _id: string; available?: number }>('products').findOne({ _id: SKU });
  out.stockConserved = check(
    addsUp && initial - sold === available && product?.available === available,
    `ledger of ${moves.length} movements ${addsUp ? 'adds up' : 'DOES NOT ADD UP'}; initial ${initial} − sold ${sold} = ${initial - sold}, available ${available}, products view ${product?.available}`,
  );

  // Redis caught up: each hot document at the version MongoDB holds (projections retry after an outage).
  const behind = async () => {
    const late: string[] = [];
    const now = await db
      .collection<{ _id: string; version: number }>('orders')
      .find({ _id: { $in: ids } }, { projection: { version: 1 } })
      .toArray();
    for (const d of now) {
      if (Number(await ctx.redis.hget(orderKey(d._id), 'version')) !== d.version) late.push(d._id);
    }
    return late;
  };
  await waitFor('Redis caught up', async () => (await behind()).length === 0, {
    timeoutMs: 60_000,
    intervalMs: 250,
  }).catch(() => undefined);
  const late = await behind();
  out.redisCaughtUp = check(
    late.length === 0,
    `${ids.length - late.length}/${ids.length} hot documents at MongoDB's version`,
  );

  // No email lost: each order's three emails arrived, duplicates recognisable by Message-ID (which
  // the mailbox gives without its angle brackets).
  const mailbox = ctx.stack.mailbox;
  const wanted = ids.flatMap((id) =>
    EMAIL_KINDS[ends.get(id) ?? 'COMPLETED'].map((k) => `${id}.${k}@orders.local`),
  );
  const seen = await waitFor(
    'every email',
    async () => {
      const got = new Set(((await mailbox?.messages()) ?? []).map((m) => m.messageId));
      return wanted.every((w) => got.has(w));
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  ).then(
    () => true,
    () => false,
  );
  const messages = ((await mailbox?.messages()) ?? []).filter(
    (m) => m.messageId && wanted.includes(m.messageId),
  );
  const missing = wanted.filter((w) => !messages.some((m) => m.messageId === w));
  out.noEmailLost = check(
    seen && missing.length === 0,
    `${wanted.length - missing.length}/${wanted.length} emails delivered (${messages.length - new Set(messages.map((m) => m.messageId)).size} duplicates by Message-ID)${missing.length ? `; missing ${missing.slice(0, 3).join(', ')}` : ''}`,
  );

  // No webhook lost: each order's OrderCompleted acknowledged (2xx) at least once; repeats share a webhook-id.
  const delivered = () => {
    const byOrder = new Map<string, Set<string>>();
    let acks = 0;
    for (const r of ctx.receiver.requests) {
      if (r.status >= 300) continue;
      const body = JSON.parse(r.body) as { type: string; data: { orderId: string } };
      if (body.type !== 'OrderCompleted' || !completed.includes(body.data.orderId)) continue;
      acks++;
      const set = byOrder.get(body.data.orderId) ?? new Set<string>();
      set.add(String(r.headers['webhook-id']));
      byOrder.set(body.data.orderId, set);
    }
    return { byOrder, acks };
  };
  const allHooks = await waitFor('every webhook', async () => delivered().byOrder.size === completed.length, {
    timeoutMs: 90_000,
    intervalMs: 200,
  }).then(
    () => true,
    () => false,
  );
  const { byOrder, acks } = delivered();
  const oneIdEach = [...byOrder.values()].every((s) => s.size === 1);
  out.noWebhookLost = check(
    allHooks && oneIdEach,
    `${byOrder.size}/${completed.length} OrderCompleted webhooks acknowledged, ${acks - byOrder.size} duplicate deliveries, ${oneIdEach ? 'one webhook-id per order' : 'SEVERAL IDS FOR ONE EVENT'}`,
  );
  // Read models equal to the histories: the verify command's own check, once deliveries have settled
  // (verify reads a history, then the model: a delivery still retrying would show as drift).
  const verified = await verifyReadModels({ db, redis: ctx.redis, temporal: ctx.temporal, keys: ctx.keys });
  out.readModelsMatchHistories = check(
    verified.drift.length === 0,
    `verify: ${verified.orders} orders, ${verified.drift.length} drift${verified.drift.length ? `: ${JSON.stringify(verified.drift.slice(0, 3))}` : ''}`,
  );

  return out;
}

/**
 * Stops a store for the outage's length and starts it again on its data; halfway through, reads an
 * order placed before it: whether it still answers, and from where.
 */
async function outage(ctx: Context, store: 'redis' | 'mongo', id: string): Promise<Record<string, unknown>> {
  await ctx.stack.part(store).stop();
  await pause(ctx.o.outageMs / 2);
  const res = await fetch(`${ctx.api}/orders/${id}`, {
    headers: { authorization: ctx.tokens.support },
  }).catch(() => null);
  const body = (await res?.json().catch(() => ({}))) as { freshness?: { source?: string } } | undefined;
  await pause(ctx.o.outageMs / 2);
  await ctx.stack.part(store).start();
  return { readDuringOutage: { status: res?.status ?? 0, source: body?.freshness?.source } };
}

async function runCase(ctx: Context, name: CaseName): Promise<CaseReport> {
  const started = Date.now();
  const { stack, o } = ctx;
  let fault = '';
  let result: CaseOutcome = { ends: new Map(), observed: {} };
  let checks: Record<string, Check> = {};
  switch (name) {
    case 'kill-saga-worker':
      fault = 'SIGKILL the saga worker a third of the way in, start it again';
      result = await ordersUnderFault(ctx, name, async () => {
        await stack.part('saga-worker').kill('SIGKILL');
        await stack.part('saga-worker').start();
        return {};
      });
      break;
    case 'kill-one-replica':
      fault =
        'SIGKILL one of the two saga workers and one of the two projectors a third of the way in; the others carry on alone, the killed ones start again once the orders are done';
      result = await ordersUnderFault(ctx, name, async () => {
        await Promise.all([
          stack.part('saga-worker').kill('SIGKILL'),
          stack.part('projector-worker').kill('SIGKILL'),
        ]);
        return {};
      });
      await Promise.all([stack.part('saga-worker').start(), stack.part('projector-worker').start()]);
      // The other replicas carry on: no payment waits out the API's 10 s for its Update (a run cached
      // on the dead saga worker moves after 3 s, a batch on the dead projector after 3 s).
      checks.noPaymentRetried = check(
        result.observed.paymentsRetried === 0,
        `${String(result.observed.paymentsRetried)} payments answered 503 and sent again`,
      );
      break;
    case 'restart-temporal':
      fault = `stop the Temporal ${o.topology === 'cluster' ? 'server (on PostgreSQL)' : 'dev server'} (SIGTERM) a third of the way in, start it again on the same database`;
      result = await ordersUnderFault(ctx, name, async () => {
        await stack.part('temporal').stop();
        await stack.part('temporal').start();
        return {};
      });
      break;
    case 'redis-outage':
      fault = `stop Redis for ${o.outageMs / 1000} s a third of the way in`;
      result = await ordersUnderFault(ctx, name, (placed) => outage(ctx, 'redis', placed[0] ?? ''));
      checks.readsFellBackToMongo = check(
        (result.observed.readDuringOutage as { status: number; source?: string }).source === 'mongodb',
        `GET /orders/:id during the outage: ${JSON.stringify(result.observed.readDuringOutage)}`,
      );
      break;
    case 'mongo-outage':
      fault = `stop the Mongo-compatible store for ${o.outageMs / 1000} s a third of the way in`;
      result = await ordersUnderFault(ctx, name, (placed) => outage(ctx, 'mongo', placed[0] ?? ''));
      break;
    case 'flaky-webhooks':
      fault = 'the webhook receiver answers 503 to every other request for the whole case';
      ctx.receiver.respondWith((n) => (n % 2 === 0 ? 503 : 204));
      result = await ordersUnderFault(ctx, name, async () => ({}));
      break;
    case 'operator-cancel':
      fault =
        'an operator cancels a third of the runs in Temporal as soon as placed, a third awaiting payment';
      result = await operatorCancelCase(ctx, name);
      break;
    case 'operator-terminate':
      fault =
        'an operator terminates every other run awaiting payment; then the reconciliation Schedule is triggered';
      result = await operatorTerminateCase(ctx, name);
      break;
    case 'due-date-race':
      fault =
        "payment terms of 8 s; customers pay from 300 ms before to 3 s after the due date; the store paused (SIGSTOP) for 3 s around the middle order's";
      result = await dueDateRaceCase(ctx, name);
      break;
    case 'hostile-input':
      fault = `${o.hostile} malformed or hostile requests`;
      return hostileCase(ctx, fault, started);
    case 'admin-auth':
      fault = 'the admin API called without a token, as a customer, as support, as an admin';
      return adminCase(ctx, fault, started);
  }
  checks = { ...checks, ...(await invariants(ctx, result.ends)) };
  ctx.receiver.respondWith(204);
  return {
    name,
    fault,
    seconds: (Date.now() - started) / 1000,
    orders: result.ends.size,
    observed: result.observed,
    invariants: checks,
    ok: Object.values(checks).every((c) => c.ok),
  };
}

/** What a request may have changed: workflows in Temporal and documents in every collection. */
/**
 * What a request could have written: runs, documents per collection, and (when given) one order's
 * version and the catalog's prices, names and stock.
 */
async function footprint(ctx: Context, orderId?: string): Promise<Record<string, number | string>> {
  const counts: Record<string, number | string> = {};
  if (orderId !== undefined) {
    counts.victimVersion = (await ordersCollection(ctx.db).findOne({ _id: orderId }))?.version ?? 0;
    const products = await productsCollection(ctx.db).find({}).sort({ _id: 1 }).toArray();
    counts.catalog = JSON.stringify(products.map((p) => [p._id, p.name, p.price, p.available]));
  }
  // The reconciliation's Schedule starts its passes on its own: they are not the requests' doing.
  counts.workflows = (await ctx.temporal.workflow.count('WorkflowType != "reconcileOrdersWorkflow"')).count;
  for (const c of await ctx.db.listCollections({}, { nameOnly: true }).toArray()) {
    counts[c.name] = await ctx.db.collection(c.name).countDocuments();
  }
  return counts;
}

async function hostileCase(ctx: Context, fault: string, started: number): Promise<CaseReport> {
  // Another customer's order, awaiting payment: what the forged and the borrowed tokens go after.
  const victim = new PatientClient(ctx.api, ctx.tokens);
  const victimId = await victim.place(`hostile-victim-${started}`, 0);
  await victim.readUntil(victimId, (o) => o.status === 'AWAITING_PAYMENT' || isEnded(o));
  const before = await footprint(ctx, victimId);
  const requests = hostileRequests(ctx.o.hostile, {
    customer: ctx.tokens.customer('hostile-1'),
    support: ctx.tokens.support,
    admin: ctx.tokens.admin,
    forged: forgedTokens(authOf(ctx.stack.config)),
    victim: { orderId: victimId, customerId: 'chaos-customer-0' },
  });
  const statuses: Record<string, number> = {};
  const bad: string[] = [];
  await pool(
    requests.length,
    ctx.o.concurrency,
    async (i) => {
      const r = requests[i];
      if (!r) return;
      const res = await fetch(`${ctx.api}${r.path}`, {
        method: r.method,
        headers: r.headers,
        ...(r.body === undefined ? {} : { body: r.body }),
      }).catch((err: unknown) => ({ status: 0, headers: new Headers(), text: async () => String(err) }));
      const text = await res.text();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const problem = (res.headers.get('content-type') ?? '').includes('application/problem+json');
      if (res.status < 400 || res.status >= 500 || !problem) {
        bad.push(`${r.kind} ${r.method} ${r.path.slice(0, 60)} → ${res.status} ${text.slice(0, 80)}`);
      }
    },
    new Progress('chaos hostile-input', requests.length, 'requests'),
  );
  const after = await footprint(ctx, victimId);
  // The victim's order is cancelled by its customer: its unit goes back, as the stock check expects.
  await call('POST', `${ctx.api}/orders/${victimId}/cancel`, {
    headers: { authorization: ctx.tokens.customer('chaos-customer-0') },
    body: { reason: 'the hostile case is over' },
  });
  const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
  const invariants = {
    only4xxProblems: check(
      bad.length === 0,
      `${requests.length - bad.length}/${requests.length} answered 4xx problem+json${bad.length ? `; e.g. ${bad.slice(0, 3).join(' | ')}` : ''}`,
    ),
    nothingStartedOrWritten: check(
      changed.length === 0,
      changed.length === 0
        ? `no workflow started, no document written (${before.workflows} workflows, ${Object.keys(before).length - 1} collections unchanged)`
        : `changed: ${changed.map((k) => `${k} ${before[k]}→${after[k]}`).join(', ')}`,
    ),
  };
  return {
    name: 'hostile-input',
    fault,
    seconds: (Date.now() - started) / 1000,
    orders: 0,
    observed: { statuses, kinds: [...new Set(requests.map((r) => r.kind))] },
    invariants,
    ok: Object.values(invariants).every((c) => c.ok),
  };
}

async function adminCase(ctx: Context, fault: string, started: number): Promise<CaseReport> {
  const call = async (authorization?: string) => {
    const res = await fetch(`${ctx.api}/webhooks`, { headers: authorization ? { authorization } : {} });
    await res.arrayBuffer();
    return { status: res.status, type: res.headers.get('content-type') ?? '' };
  };
  const none = await call();
  const customer = await call(ctx.tokens.customer('chaos-customer-0'));
  const support = await call(ctx.tokens.support);
  const admin = await call(ctx.tokens.admin);
  const invariants = {
    noToken401: check(none.status === 401 && none.type.includes('problem+json'), `no token → ${none.status}`),
    otherRoles403: check(
      customer.status === 403 && support.status === 403 && support.type.includes('problem+json'),
      `a customer → ${customer.status}, support → ${support.status}`,
    ),
    admin200: check(admin.status === 200, `an admin → ${admin.status}`),
  };
  return {
    name: 'admin-auth',
    fault,
    seconds: (Date.now() - started) / 1000,
    orders: 0,
    observed: { statuses: [none, customer, support, admin].map((r) => r.status).join(',') },
    invariants,
    ok: Object.values(invariants).every((c) => c.ok),
  };
}

async function main(): Promise<void> {
  const o = options();
  const { data, env, config, workerPorts, apiOpsPort } = await stackEnvironment('chaos', {
    RATE_LIMIT_MAX: '1000000000',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_BACKOFF_INITIAL: '200ms',
    WEBHOOK_BACKOFF_MAX: '2s',
    WORKER_SHUTDOWN_GRACE: '5s',
  });
  let stack: Stack | null = null;
  const receiver = await startReceiver();
  const reports: CaseReport[] = [];
  let mongo: MongoClient | null = null;
  let redis: Redis | null = null;
  let connection: Connection | null = null;
  try {
    log(
      `cases: ${o.cases.join(', ')}; ${o.orders} orders each at concurrency ${o.concurrency}; ${o.topology} topology; data in ${data}`,
    );
    stack = await startReadyStack(config, {
      env,
      workerPorts,
      apiOpsPort,
      topology: o.topology,
      onUnexpectedExit: (name, how) => log(`${name} exited on its own (${how})`),
    });
    const api = stack.apiUrl;
    const tokens = new BenchTokens(authOf(config));
    await addStock(api, tokens, SKU, o.orders * o.cases.length, 'reliability suite stock');
    json(
      await call('POST', `${api}/webhooks`, {
        headers: { authorization: tokens.admin },
        body: { url: receiver.url, events: ['OrderCompleted'] },
      }),
      [201],
    );
    const urls = serviceUrls(config);
    mongo = await MongoClient.connect(urls.mongodb, { serverSelectionTimeoutMS: 30_000 });
    redis = new Redis(urls.redis, { maxRetriesPerRequest: 20 });
    redis.on('error', () => undefined); // down on purpose in the Redis case; commands retry
    const temporal = await connectTemporal(config);
    connection = temporal.connection;
    const ctx: Context = {
      o,
      stack,
      env,
      api,
      tokens,
      db: mongo.db(config.mongodbDb),
      redis,
      temporal: temporal.client,
      keys: config.payloadKeys,
      receiver,
    };
    for (const name of o.cases) {
      log(`${name}…`);
      const started = Date.now();
      // A case whose orders do not finish in time is a broken case, reported like the others; the
      // remaining cases still run.
      const report = await runCase(ctx, name).catch((err: unknown): CaseReport => ({
        name,
        fault: 'see the error',
        seconds: (Date.now() - started) / 1000,
        orders: ctx.o.orders,
        observed: {},
        invariants: { ordersFinished: check(false, err instanceof Error ? err.message : String(err)) },
        ok: false,
      }));
      reports.push(report);
      log(
        `${name}: ${report.ok ? 'all invariants hold' : 'INVARIANT BROKEN'} (${report.seconds.toFixed(0)} s)`,
      );
      for (const [k, c] of Object.entries(report.invariants))
        log(`  ${c.ok ? 'ok ' : 'BAD'} ${k}: ${c.detail}`);
    }
  } finally {
    await connection?.close();
    redis?.disconnect();
    await mongo?.close();
    await stack?.stop();
    await receiver.stop();
    if (!o.keep) rmSync(data, { recursive: true, force: true });
  }
  const report = {
    at: new Date().toISOString(),
    orders: o.orders,
    concurrency: o.concurrency,
    outageMs: o.outageMs,
    cases: reports,
  };
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`saved ${o.out}`);
  const failed = reports.filter((r) => !r.ok).map((r) => r.name);
  if (failed.length) {
    console.error(`[chaos] invariants broken in: ${failed.join(', ')}`);
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error('[chaos] failed:', err instanceof Error ? err.stack : err);
  process.exit(1);
});
