import { Progress } from '../scripts/progress';
import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../domain/ids';
import { freePort, spawnService, waitFor } from '../stack/process';
import { RECONCILIATION_SCHEDULE_ID } from '../infra/reconciliation-schedule';
import type { Stack } from '../stack/stack';
import { serviceUrls } from '../config';
import { OPERATOR_CANCELLATION } from '../workflows/order';
import { pool, type OrderView } from './load';
import { isEnded, PatientClient } from './patient-client';
import type { BenchTokens } from './tokens';

/** How each order of a case must end, by id; the invariants check it. */
export type Ends = Map<string, 'COMPLETED' | 'CANCELLED'>;

export interface CaseOutcome {
  ends: Ends;
  observed: Record<string, unknown>;
}

/** What the operator cases need of the reliability suite's context. */
export interface OperatorContext {
  o: { orders: number; concurrency: number };
  api: string;
  tokens: BenchTokens;
  stack: Stack;
  /** the stack's environment (a second API is started from it) */
  env: NodeJS.ProcessEnv;
  temporal: Client;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const awaiting = (o: OrderView) => o.status === 'AWAITING_PAYMENT' || isEnded(o);

/** The order's run as the Web UI and the CLI reach it. */
const runOf = (ctx: OperatorContext, orderId: string) =>
  ctx.temporal.workflow.getHandle(orderWorkflowId(orderId));

/**
 * Operators press "Request Cancellation" on a third of the orders right after they are placed, on
 * another third once they await payment; the customers pay the rest. Cancelled orders end CANCELLED
 * with the operator's reason, compensated; the others complete.
 */
/**
 * Every order of a case, each placed by its own patient client (through `api`, the stack's by default)
 * at the case's concurrency, then handed to `handle`; the case's progress shown meanwhile.
 */
function eachOrder(
  ctx: OperatorContext,
  name: string,
  handle: (client: PatientClient, orderId: string, i: number) => Promise<void>,
  api = ctx.api,
): Promise<void[]> {
  return pool(
    ctx.o.orders,
    ctx.o.concurrency,
    async (i) => {
      const client = new PatientClient(api, ctx.tokens);
      await handle(client, await client.place(`${name}-${i}`, i), i);
    },
    new Progress(`chaos ${name}`, ctx.o.orders),
  );
}

export async function operatorCancelCase(ctx: OperatorContext, name: string): Promise<CaseOutcome> {
  const ends: Ends = new Map();
  const reasons: Record<string, number> = {};
  await eachOrder(ctx, name, async (client, orderId, i) => {
    if (i % 3 === 0) {
      await runOf(ctx, orderId).cancel();
    } else {
      const order = await client.readUntil(orderId, awaiting);
      if (i % 3 === 1) await runOf(ctx, orderId).cancel();
      else await client.pay(orderId, order);
    }
    ends.set(orderId, i % 3 === 2 ? 'COMPLETED' : 'CANCELLED');
    const ended = await client.readUntil(orderId, isEnded);
    const reason =
      ended.status === 'CANCELLED' ? String((ended as { reason?: string }).reason) : ended.status;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  });
  return { ends, observed: { endings: reasons, operatorReason: OPERATOR_CANCELLATION } };
}

/**
 * Operators press "Terminate" on every other order once it awaits payment (its hold and its invoice
 * stay); the customers pay the rest. Then the reconciliation's Schedule is triggered: it closes each
 * terminated order (invoice void, stock released, CANCELLED). Measures how long that took.
 */
export async function operatorTerminateCase(ctx: OperatorContext, name: string): Promise<CaseOutcome> {
  const ends: Ends = new Map();
  const terminated: string[] = [];
  await eachOrder(ctx, name, async (client, orderId, i) => {
    const order = await client.readUntil(orderId, awaiting);
    if (i % 2 === 0) {
      await runOf(ctx, orderId).terminate('reliability suite: an operator terminates the run');
      terminated.push(orderId);
      ends.set(orderId, 'CANCELLED');
    } else {
      await client.pay(orderId, order);
      await client.readUntil(orderId, isEnded);
      ends.set(orderId, 'COMPLETED');
    }
  });
  const t0 = Date.now();
  await ctx.temporal.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).trigger();
  const reader = new PatientClient(ctx.api, ctx.tokens);
  await Promise.all(terminated.map((id) => reader.readUntil(id, isEnded)));
  return {
    ends,
    observed: { terminated: terminated.length, secondsToReconcile: (Date.now() - t0) / 1000 },
  };
}

/**
 * The due-date race: orders placed through a second API whose payment terms are seconds long; each
 * customer pays a little before or after the order's due date (-300 ms to +3 s: under load the saga's
 * due-date task may run a second or more after the due date, and a payment before it is taken); and the
 * Mongo-compatible store is paused (SIGSTOP) for 3 s around the due date of the middle order, so that
 * those orders' cancellations hang in their first undo while the payments arrive. A payment answered
 * 200/202 must end COMPLETED, one refused (409) CANCELLED, and no cancelled order may have a payment
 * recorded.
 */
export async function dueDateRaceCase(ctx: OperatorContext, name: string): Promise<CaseOutcome> {
  const api = await secondApi(ctx, { PAYMENT_DUE_AFTER: '8s', PAYMENT_REMINDER_AFTER: '4s' });
  const ends: Ends = new Map();
  const answers: Record<string, number> = {};
  const offsets = [-300, 100, 600, 1_500, 3_000];
  const payAround = async (orderId: string, order: OrderView, dueAt: number, i: number) => {
    await pause(Math.max(0, dueAt + (offsets[i % offsets.length] ?? 0) - Date.now()));
    const status = await new PatientClient(api.url, ctx.tokens).pay(orderId, order);
    answers[status] = (answers[status] ?? 0) + 1;
    ends.set(orderId, status === 409 ? 'CANCELLED' : 'COMPLETED');
  };
  const payments: Promise<void>[] = [];
  let storePaused: Promise<number> = Promise.resolve(0);
  try {
    await eachOrder(
      ctx,
      name,
      async (client, orderId, i) => {
        const order = (await client.readUntil(orderId, awaiting)) as OrderView & {
          invoice?: { dueAt: string };
        };
        const dueAt = Date.parse(order.invoice?.dueAt ?? '');
        // The payment waits for its moment without holding a place in the pool.
        payments.push(payAround(orderId, order, dueAt, i));
        if (i === Math.floor(ctx.o.orders / 2)) storePaused = pauseStore(ctx, dueAt - 1_000, 3_000);
      },
      api.url,
    );
    await Promise.all(payments);
    const pausedMs = await storePaused;
    const reader = new PatientClient(ctx.api, ctx.tokens);
    await Promise.all([...ends.keys()].map((orderId) => reader.readUntil(orderId, isEnded)));
    return { ends, observed: { paymentAnswers: answers, storePausedMs: pausedMs } };
  } finally {
    await api.stop();
  }
}

/** SIGSTOPs the Mongo-compatible store at `at` for `forMs` (a store that answers nothing); how long it was. */
async function pauseStore(ctx: OperatorContext, at: number, forMs: number): Promise<number> {
  const pid = ctx.stack.part('mongo').pid();
  if (pid === null) return 0;
  await pause(Math.max(0, at - Date.now()));
  const t0 = Date.now();
  process.kill(pid, 'SIGSTOP');
  await pause(forMs);
  process.kill(pid, 'SIGCONT');
  return Date.now() - t0;
}

/** Another API process on the same stores and Temporal, with its own settings (a second replica). */
async function secondApi(ctx: OperatorContext, settings: Record<string, string>) {
  const { config } = ctx.stack;
  const urls = serviceUrls(config);
  const port = await freePort();
  const url = `http://${config.apiHost}:${port}`;
  const service = await spawnService({
    name: 'api-2',
    command: process.execPath,
    args: [require.resolve('../api/server')],
    port,
    url,
    logFile: `${ctx.stack.logsDir}/api-2.log`,
    env: {
      ...ctx.env,
      MONGODB_URL: urls.mongodb,
      REDIS_URL: urls.redis,
      SMTP_URL: urls.smtp,
      TEMPORAL_ADDRESS: config.temporalAddress,
      DATA_DIR: config.dataDir,
      API_PORT: String(port),
      OPS_PORT: String(await freePort()),
      ...settings,
    },
  });
  await waitFor('the second API ready', async () => (await fetch(`${url}/health/ready`)).ok, {
    timeoutMs: 30_000,
  });
  return { url, stop: () => service.stop() };
}
