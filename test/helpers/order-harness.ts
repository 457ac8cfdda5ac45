import {
  WithStartWorkflowOperation,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
} from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createSagaActivities } from '../../activities';
import type { Customer, OrderEvent, OrderItem } from '../../domain/events';
import type { NotificationFailure } from '../../projections/dead-letters/view';
import type { OrderStatus } from '../../domain/order';
import type { PayOrder } from '../../domain/commands';
import type { createProjectionActivities } from '../../projections/activities';
import {
  cancelOrderUpdate,
  getOrderQuery,
  orderWorkflow,
  payOrderUpdate,
  type OrderSnapshot,
  type PlaceOrderInput,
} from '../../workflows/order';
import { recordHistory } from './histories';
import { eventually } from './poll';
import { workflowBundle } from './temporal';

export type Saga = ReturnType<typeof createSagaActivities>;
/** The projector activities the order saga calls. */
type Projection = Pick<
  ReturnType<typeof createProjectionActivities>,
  'projectEvents' | 'recordNotificationFailure'
>;

export const HOUR = 3_600_000;
export const TERMS = { dueAfterMs: 48 * HOUR, reminderAfterMs: 24 * HOUR };
export const LINES = [{ sku: 'KB-001', name: 'Keyboard', quantity: 2, unitPrice: 8900, lineTotal: 17800 }];
export const TOTAL = 17800;
/** The payment that settles the orders of these tests. */
export const PAYMENT = { amount: TOTAL, currency: 'EUR', reference: 'pay-1' };

/** Mock activities that record the order of calls; each can be overridden per test. */
export function mockSaga(overrides: Partial<Saga> = {}): Saga & { calls: string[] } {
  const calls: string[] = [];
  const saga: Saga = {
    reserveStock: async () => ({ lines: LINES, total: TOTAL, currency: 'EUR', stock: [] }),
    releaseStock: async () => ({ stock: [] }),
    issueInvoice: async ({ dueAt }) => ({
      invoiceId: 'inv-o',
      number: 7,
      total: TOTAL,
      currency: 'EUR',
      dueAt,
    }),
    voidInvoice: async () => ({ invoiceId: 'inv-o', number: 7 }),
    sendOrderEmail: async ({ kind, order }) => ({ messageId: `<${order.orderId}.${kind}@test>` }),
    sendOrderSms: async ({ kind, order }) => ({ messageId: `<${order.orderId}.${kind}.sms@test>` }),
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(saga).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as Saga;
  return Object.assign(recorded, { calls });
}

/**
 * The saga's calls in order, without the order-received email: it runs alongside the reservation, so
 * where it lands among the calls varies (its event does not: it is recorded first).
 */
export function stepsOf(saga: { calls: string[] }): string[] {
  const received = saga.calls.indexOf('sendOrderEmail');
  expect(received).toBeGreaterThanOrEqual(0);
  return saga.calls.filter((_, i) => i !== received);
}

/** The log of an order invoiced, then cancelled and compensated. */
export const COMPENSATED_AFTER_INVOICE = [
  'OrderPlaced',
  'NotificationSent',
  'StockReserved',
  'InvoiceIssued',
  'NotificationSent',
  'InvoiceVoided',
  'StockReleased',
  'OrderCancelled',
  'NotificationSent',
];

/** A gate on the projector: the batch that holds an event of `type` waits until the test opens it. */
export function holdBatchWith(type: OrderEvent['type']) {
  const held = gate();
  const beforeProject = async (batch: OrderEvent[]) => {
    if (batch.some((e) => e.type === type)) await held.pass();
  };
  return { held, beforeProject };
}

/** Mock activities whose voiding of the invoice waits at a gate (a slow billing store). */
export function sagaVoidingAtGate() {
  const voiding = gate();
  const saga = mockSaga({
    voidInvoice: async () => {
      await voiding.pass();
      return { invoiceId: 'inv-o', number: 7 };
    },
  });
  return { voiding, saga };
}

/** A point an activity stops at until the test opens it; `reached` resolves when it got there. */
export function gate(): { reached: Promise<void>; pass(): Promise<void>; open(): void } {
  let arrive = () => undefined as void;
  let open = () => undefined as void;
  const reached = new Promise<void>((r) => (arrive = r));
  const opened = new Promise<void>((r) => (open = r));
  return {
    reached,
    pass: () => {
      arrive();
      return opened;
    },
    open,
  };
}

export interface RunningOrder {
  handle: WorkflowHandle<typeof orderWorkflow>;
  /** events in the order the projector received them */
  projected: OrderEvent[];
  /** each batch the projector was handed, retries included */
  batches: OrderEvent[][];
  /** notifications the saga gave up on, as reported to the projector */
  deadLetters: NotificationFailure[];
  types(): string[];
  state(): Promise<OrderSnapshot | null>;
  /** polls the workflow's query until the order reaches `status` */
  until(status: OrderStatus): Promise<OrderSnapshot>;
  /** the outcome of the command sent with the start (`cancelAtStart`, `payAtStart`): answer or refusal */
  atStart: Promise<OrderSnapshot> | null;
}

/**
 * Runs one order on the time-skipping server with the given mock activities, a recording projector
 * and `scenario` driving it; saves its history as a replay fixture under `name` when recording.
 */
export async function runOrder<T>(
  env: TestWorkflowEnvironment,
  name: string,
  saga: Saga,
  scenario: (order: RunningOrder) => Promise<T>,
  opts: {
    items?: OrderItem[];
    customer?: Customer;
    /** a cancellation delivered with the start (update-with-start): the run's first task has both */
    cancelAtStart?: string;
    /** a payment delivered with the start, as `cancelAtStart` */
    payAtStart?: PayOrder;
    /** an operator's cancel request (Web UI, CLI) sent before any worker has picked the run up */
    operatorCancelAtStart?: boolean;
    /** runs before each batch is projected (a test holds the projector here) */
    beforeProject?: (batch: OrderEvent[]) => Promise<void>;
  } = {},
): Promise<T> {
  const projected: OrderEvent[] = [];
  const batches: OrderEvent[][] = [];
  const deadLetters: NotificationFailure[] = [];
  const projection: Projection = {
    projectEvents: async (events) => {
      batches.push(events);
      await opts.beforeProject?.(events);
      let applied = 0;
      for (const e of events) {
        if (projected.some((p) => p.seq === e.seq)) continue;
        projected.push(e);
        applied++;
      }
      return { applied, duplicates: events.length - applied };
    },
    recordNotificationFailure: async (f) => {
      deadLetters.push(f);
    },
  };
  const input: PlaceOrderInput = {
    orderId: name,
    customer: opts.customer ?? { id: 'c-1', email: 'ada@example.com' },
    items: opts.items ?? [{ sku: 'KB-001', quantity: 2 }],
    paymentTerms: TERMS,
    projectionsTaskQueue: `projections-${name}`,
  };
  const [sagaWorker, projector] = await Promise.all([
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: `orders-${name}`,
      workflowBundle: await workflowBundle(),
      activities: saga,
    }),
    Worker.create({
      connection: env.nativeConnection,
      taskQueue: input.projectionsTaskQueue,
      activities: projection,
    }),
  ]);
  const options = {
    taskQueue: `orders-${name}`,
    workflowId: `order-${name}`,
    args: [input] as [PlaceOrderInput],
  };
  let cancelledAtStart: WorkflowHandle<typeof orderWorkflow> | null = null;
  if (opts.operatorCancelAtStart) {
    // No worker polls yet: the run's first task holds both the start and the cancel request.
    cancelledAtStart = await env.client.workflow.start(orderWorkflow, options);
    await cancelledAtStart.cancel();
  }
  // Queries and updates need a running worker, so the whole scenario runs inside both workers.
  return projector.runUntil(
    sagaWorker.runUntil(async () => {
      let handle: WorkflowHandle<typeof orderWorkflow>;
      let atStart: Promise<OrderSnapshot> | null = null;
      if (cancelledAtStart) {
        handle = cancelledAtStart;
      } else if (opts.cancelAtStart === undefined && opts.payAtStart === undefined) {
        handle = await env.client.workflow.start(orderWorkflow, options);
      } else {
        const start = new WithStartWorkflowOperation(orderWorkflow, {
          ...options,
          workflowIdConflictPolicy: 'FAIL',
        });
        const update = { waitForStage: 'ACCEPTED' as const, startWorkflowOperation: start };
        const accepted: Promise<WorkflowUpdateHandle<OrderSnapshot>> =
          opts.payAtStart === undefined
            ? env.client.workflow.startUpdateWithStart(cancelOrderUpdate, {
                ...update,
                args: [{ reason: opts.cancelAtStart ?? '' }],
              })
            : env.client.workflow.startUpdateWithStart(payOrderUpdate, {
                ...update,
                args: [opts.payAtStart],
              });
        atStart = accepted.then((h) => h.result());
        // Settled here too, so that a refusal is not an unhandled rejection before the scenario reads it.
        atStart.catch(() => undefined);
        handle = await start.workflowHandle();
      }
      const state = () => handle.query(getOrderQuery);
      const out = await scenario({
        handle,
        projected,
        batches,
        deadLetters,
        types: () => projected.map((e) => e.type),
        state,
        atStart,
        until: async (status) =>
          (await eventually(state, (s) => s?.status === status, { timeoutMs: 15_000 })) as OrderSnapshot,
      });
      await recordHistory(`order-${name}`, await handle.fetchHistory());
      return out;
    }),
  );
}
