import {
  isGrpcServiceError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import type { LoadedDataConverter, Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { mapConcurrent } from '../infra/concurrent';
import type { OrderEvent } from '../domain/events';
import type { WebhookDelivery } from '../domain/webhooks';
import type { DeadLetter, NotificationFailure } from './dead-letters/view';
import type { NotificationView } from './notifications/view';

type History = temporal.api.history.v1.IHistory;

/** A payload's value, through the converter's codecs (decryption) first. */
export async function valueOf<T>(converter: LoadedDataConverter, payload: Payload): Promise<T> {
  let decoded = [payload];
  for (const codec of [...converter.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return converter.payloadConverter.fromPayload<T>(decoded[0] as Payload);
}

/**
 * The first argument of every `activityType` activity the run scheduled (recorded once, whatever the
 * retries), decoded with the client's data converter.
 */
export async function inputsOf<T>(client: Client, history: History, activityType: string): Promise<T[]> {
  const inputs: T[] = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== activityType) continue;
    const [payload] = scheduled.input?.payloads ?? [];
    if (payload) inputs.push(await valueOf<T>(client.options.loadedDataConverter, payload));
  }
  return inputs;
}

/** The domain events of one order run, in seq order: the batches its `projectEvents` activities were given. */
export async function eventsOfHistory(client: Client, history: History): Promise<OrderEvent[]> {
  return (await inputsOf<OrderEvent[]>(client, history, 'projectEvents'))
    .flat()
    .sort((a, b) => a.seq - b.seq);
}

/** How a run that did not end its order closed: the reconciliation carries such a run on in a new one. */
const ABANDONED = ['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED'];

/** One order's run as its history records it: its domain events and the notifications it gave up on. */
export interface OrderHistory {
  workflowId: string;
  events: OrderEvent[];
  failures: NotificationFailure[];
}

/** A gRPC NOT_FOUND: the run was deleted between the listing and the fetch. */
const GRPC_NOT_FOUND = 5;
const isNotFound = (err: unknown) => isGrpcServiceError(err) && Number(err.code) === GRPC_NOT_FOUND;

/** The run's history, or null when it left Temporal (retention, a deletion) since it was listed. */
async function historyIfKept(client: Client, workflowId: string, runId: string): Promise<History | null> {
  try {
    return await client.workflow.getHandle(workflowId, runId).fetchHistory();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || isNotFound(err)) return null;
    throw err;
  }
}

/** How many histories are fetched at once: the rebuild's throughput on one Temporal frontend. */
export const HISTORY_FETCHES = 32;

/** The runs that may hold an order's log: its own, and the closing runs the reconciliation starts. */
const ORDER_RUNS = 'WorkflowType = "orderWorkflow" OR WorkflowType = "closeAbandonedOrderWorkflow"';

/** A run as visibility lists it: what fetching its history needs. */
export type ListedRun = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status'>;

/**
 * Every order run the namespace's visibility lists now, or only those that did not complete (ids only:
 * a million is some 100 MB).
 */
export async function listOrderRuns(client: Client, { uncompletedOnly = false } = {}): Promise<ListedRun[]> {
  const query = uncompletedOnly ? `(${ORDER_RUNS}) AND ExecutionStatus != "Completed"` : ORDER_RUNS;
  const runs: ListedRun[] = [];
  for await (const { workflowId, runId, status } of client.workflow.list({ query })) {
    runs.push({ workflowId, runId, status });
  }
  return runs;
}

/**
 * The listed runs' histories, with their events and failed notifications, fetched `HISTORY_FETCHES` at
 * a time and yielded as they arrive. An order is one run, or a run the reconciliation closed: its
 * closing run holds the whole log, and the abandoned run it carries on is skipped; so is a run that
 * left Temporal since it was listed.
 */
export async function* orderHistories(
  client: Client,
  runs: Iterable<ListedRun>,
): AsyncGenerator<OrderHistory> {
  const fetched = mapConcurrent(runs, HISTORY_FETCHES, async (wf) => {
    if (ABANDONED.includes(wf.status.name)) {
      const latest = await client.workflow
        .getHandle(wf.workflowId)
        .describe()
        .catch((err: unknown) => {
          if (err instanceof WorkflowNotFoundError || isNotFound(err)) return null;
          throw err;
        });
      if (latest?.runId !== wf.runId) return null;
    }
    const history = await historyIfKept(client, wf.workflowId, wf.runId);
    if (history === null) return null;
    return {
      workflowId: wf.workflowId,
      events: await eventsOfHistory(client, history),
      failures: await inputsOf<NotificationFailure>(client, history, 'recordNotificationFailure'),
    };
  });
  for await (const order of fetched) if (order) yield order;
}

/** What the delivery and redrive runs recorded: each state they projected, in the order they did. */
export interface OutboundRecords {
  deliveries: WebhookDelivery[];
  letters: Omit<DeadLetter, 'projectedAt'>[];
  notifications: Omit<NotificationView, 'version' | 'projectedAt'>[];
}

/**
 * Every webhook delivery and notification redrive run (every run of each id), with what it projected;
 * a run that left Temporal since it was listed is skipped.
 */
export async function* outboundHistories(client: Client): AsyncGenerator<OutboundRecords> {
  const query = 'WorkflowType = "webhookDeliveryWorkflow" OR WorkflowType = "notificationRedriveWorkflow"';
  const fetched = mapConcurrent(client.workflow.list({ query }), HISTORY_FETCHES, async (wf) => {
    const history = await historyIfKept(client, wf.workflowId, wf.runId);
    if (history === null) return null;
    return {
      deliveries: await inputsOf<WebhookDelivery>(client, history, 'projectDelivery'),
      letters: await inputsOf<Omit<DeadLetter, 'projectedAt'>>(client, history, 'projectDeadLetter'),
      notifications: await inputsOf<Omit<NotificationView, 'version' | 'projectedAt'>>(
        client,
        history,
        'projectNotification',
      ),
    };
  });
  for await (const records of fetched) if (records) yield records;
}
