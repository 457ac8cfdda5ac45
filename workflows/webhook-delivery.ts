import { proxyActivities, sleep } from '@temporalio/workflow';
import type { createWebhookActivities } from '../activities/webhooks';
import type { createProjectionActivities } from '../projections/activities';
import {
  afterAttempt,
  backoffMs,
  jitterOf,
  ended,
  type RetryPolicy,
  type WebhookDelivery,
} from '../domain/webhooks';
import { POLICIES } from './policies';

export interface WebhookDeliveryInput {
  /** where it starts: a fresh delivery, or a dead one being redriven (its attempts so far kept) */
  delivery: WebhookDelivery;
  retry: RetryPolicy;
  /** the bound on one HTTP call; the activity's own timeout is a little longer */
  attemptTimeoutMs: number;
  projectionsTaskQueue: string;
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * One event to one subscription, as its own workflow so a slow receiver never holds an order back.
 * Each attempt is one activity whose HTTP outcome the workflow records (`webhook_deliveries`), then it
 * waits with exponential backoff and jitter (durable timers) until success, a permanent refusal, or the
 * end of the retry window; a delivery that does not succeed becomes a dead letter. Nothing is dropped.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDelivery> {
  const { retry } = input;
  const attempt = { ...POLICIES.webhookAttempt, startToCloseTimeout: input.attemptTimeoutMs + 5_000 };
  const projection = { ...POLICIES.projection, taskQueue: input.projectionsTaskQueue };
  const { attemptDelivery } = proxyActivities<ReturnType<typeof createWebhookActivities>>(attempt);
  const { projectDelivery } = proxyActivities<ReturnType<typeof createProjectionActivities>>(projection);
  const record = (d: WebhookDelivery) =>
    projectDelivery.executeWithOptions(
      { ...projection, summary: `${d.status}, ${d.attempts.length} attempts` },
      [d],
    );

  let delivery: WebhookDelivery = {
    ...input.delivery,
    status: 'pending',
    reason: null,
    version: input.delivery.version + 1,
  };
  await record(delivery);
  const started = Date.now();
  let failed = 0;
  for (;;) {
    const outcome = await attemptDelivery.executeWithOptions(
      { ...attempt, summary: `attempt ${delivery.attempts.length + 1} → ${delivery.url}` },
      [
        {
          deliveryId: delivery.deliveryId,
          subscriptionId: delivery.subscriptionId,
          payload: delivery.payload,
        },
      ],
    );
    if (outcome === null) {
      delivery = ended(delivery, 'skipped', 'the subscription was deleted');
      break;
    }
    delivery = afterAttempt(delivery, outcome, new Date());
    if (outcome.verdict === 'delivered') break;
    if (outcome.verdict === 'permanent') {
      delivery = ended(delivery, 'dead', `permanent failure, not retried: ${outcome.error ?? 'refused'}`);
      break;
    }
    failed++;
    const jitter = jitterOf(delivery.deliveryId, delivery.attempts.length);
    const wait = backoffMs(retry, failed, jitter, outcome.retryAfterMs);
    if (Date.now() - started + wait > retry.windowMs) {
      delivery = ended(
        delivery,
        'dead',
        `no success within the retry window (${seconds(retry.windowMs)}, ${failed} failed attempts): ${outcome.error ?? ''}`,
      );
      break;
    }
    await record(delivery);
    await sleep(wait);
  }
  await record(delivery);
  return delivery;
}
