import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { OrderEvent, OrderEventType } from '../domain/events';
import { newDelivery, type RetryPolicy, type WebhookDelivery } from '../domain/webhooks';
import type { OutboundPolicy } from '../infra/outbound-http';
import type { webhookDeliveryWorkflow } from '../workflows/webhook-delivery';
import { mapConcurrent } from '../infra/concurrent';
import { cachedSubscriptions, createSubscriptionStore } from './webhook-subscriptions';

/** How webhooks are delivered; one value from config, shared by the API, the projector and the worker. */
export interface WebhookSettings {
  /** task queue of the webhook worker */
  taskQueue: string;
  projectionsTaskQueue: string;
  retry: RetryPolicy;
  outbound: OutboundPolicy;
  /** how long the secrets replaced by a rotation keep signing */
  secretOverlapMs: number;
}

/**
 * The run of a delivery: its first run has the delivery's id, each redrive `-redrive-<n>` after it, so
 * a redrive never collides with the tail of the run before it, and the same redrive twice is refused.
 */
export const deliveryWorkflowId = (deliveryId: string, redrives = 0) =>
  redrives === 0 ? `webhook-${deliveryId}` : `webhook-${deliveryId}-redrive-${redrives}`;

/**
 * Starts the delivery workflow of one event to one subscription (or its n-th redrive). Its id comes
 * from the delivery, so a retried start is the same run and any earlier run of that id is refused: a
 * re-projected event is never sent twice, a redrive runs once. false when it already ran (or runs).
 */
export async function startDelivery(
  client: Client,
  settings: WebhookSettings,
  delivery: WebhookDelivery,
): Promise<boolean> {
  try {
    await client.workflow.start<typeof webhookDeliveryWorkflow>('webhookDeliveryWorkflow', {
      taskQueue: settings.taskQueue,
      workflowId: deliveryWorkflowId(delivery.deliveryId, delivery.redrives),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [
        {
          delivery,
          retry: settings.retry,
          attemptTimeoutMs: settings.outbound.timeoutMs,
          projectionsTaskQueue: settings.projectionsTaskQueue,
        },
      ],
      staticSummary: `${delivery.eventType} #${delivery.seq} of order ${delivery.orderId} → ${delivery.url}`,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * Starts a delivery for every live subscription to each event's type (one order's batch: one look-up
 * of the subscriptions for all of it); safe to call again for the same events. With `redis`, the
 * subscriptions are kept between batches until the admin API announces a change. The starts go
 * `concurrency` at a time (16): one after the other, a batch of 6 events to 50 subscriptions was 300
 * round trips to Temporal inside the projection's 3 s.
 */
export function createWebhookDispatcher(deps: {
  client: Client;
  db: Db;
  settings: WebhookSettings;
  redis?: Redis;
  concurrency?: number;
}) {
  const store = createSubscriptionStore(deps.db);
  const subscribedTo = deps.redis
    ? cachedSubscriptions(deps.db, deps.redis)
    : (types: OrderEventType[]) => store.subscribedTo(types);
  return async (events: OrderEvent[]): Promise<number> => {
    if (events.length === 0) return 0;
    const subs = await subscribedTo([...new Set(events.map((e) => e.type))]);
    const deliveries = events.flatMap((event) =>
      subs
        .filter((sub) => sub.events.includes(event.type))
        .map((sub) => newDelivery({ id: sub._id, url: sub.url }, event)),
    );
    let started = 0;
    const starting = mapConcurrent(deliveries, deps.concurrency ?? 16, (d) =>
      startDelivery(deps.client, deps.settings, d),
    );
    for await (const didStart of starting) if (didStart) started++;
    return started;
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
