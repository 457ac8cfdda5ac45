import type { Client } from '@temporalio/client';
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

/** How many histories are fetched at once: the rebuild's throughput on one Temporal frontend. */
export const HISTORY_FETCHES = 32;

/**
 * Every order the namespace's visibility knows, with its events and failed notifications, fetched
 * `HISTORY_FETCHES` at a time and yielded as they arrive. An order is one run, or a run the
 * reconciliation closed: its closing run holds the whole log, and the abandoned run it carries on is
 * skipped.
 */
export async function* orderHistories(
  client: Client,
  query = 'WorkflowType = "orderWorkflow" OR WorkflowType = "closeAbandonedOrderWorkflow"',
): AsyncGenerator<OrderHistory> {
  const fetched = mapConcurrent(client.workflow.list({ query }), HISTORY_FETCHES, async (wf) => {
    if (ABANDONED.includes(wf.status.name)) {
      const latest = await client.workflow.getHandle(wf.workflowId).describe();
      if (latest.runId !== wf.runId) return null;
    }
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    return {
      workflowId: wf.workflowId,
      events: await eventsOfHistory(client, history),
      failures: await inputsOf<NotificationFailure>(client, history, 'recordNotificationFailure'),
    };
  });
  for await (const order of fetched) if (order) yield order;
}

/** How many order runs visibility lists (the rebuild's total, for its ETA). */
export async function countOrderRuns(client: Client): Promise<number> {
  const { count } = await client.workflow.count('WorkflowType = "orderWorkflow"');
  return count;
}

/** What the delivery and redrive runs recorded: each state they projected, in the order they did. */
export interface OutboundRecords {
  deliveries: WebhookDelivery[];
  letters: Omit<DeadLetter, 'projectedAt'>[];
  notifications: Omit<NotificationView, 'version' | 'projectedAt'>[];
}

/** Every webhook delivery and notification redrive run (every run of each id), with what it projected. */
export function outboundHistories(client: Client): AsyncGenerator<OutboundRecords> {
  const query = 'WorkflowType = "webhookDeliveryWorkflow" OR WorkflowType = "notificationRedriveWorkflow"';
  return mapConcurrent(client.workflow.list({ query }), HISTORY_FETCHES, async (wf) => {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
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
}
