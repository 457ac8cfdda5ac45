import { createHmac } from 'node:crypto';
import type { Db } from 'mongodb';
import { verdictOf, type AttemptOutcome, type WebhookPayload } from '../domain/webhooks';
import { postJson, TargetRefused, type OutboundPolicy } from '../infra/outbound-http';
import { activeSecrets, createSubscriptionStore } from './webhook-subscriptions';
import { SecretBox } from '../infra/secret-box';
import type { Metrics } from '../infra/metrics';

/**
 * The Standard Webhooks signature of one request: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`
 * under each secret (the part after `whsec_`, base64-decoded), space-separated.
 */
export function signatureOf(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
    })
    .join(' ');
}

/** Retry-After in seconds or as an HTTP date, in ms from now; null when absent or unreadable. */
function retryAfterMs(value: string | string[] | undefined, now: Date): number | null {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return null;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export interface WebhookActivityDeps {
  db: Db;
  outbound: OutboundPolicy;
  now?: () => Date;
  /** counts each attempt by outcome */
  metrics?: Pick<Metrics, 'webhookDeliveries'>;
  /** opens the signing secrets sealed at rest */
  secrets?: SecretBox;
}

/** Activities of the webhook worker (task queue `webhooks`). */
export function createWebhookActivities({
  db,
  outbound,
  now = () => new Date(),
  metrics,
  secrets = new SecretBox(undefined),
}: WebhookActivityDeps) {
  const subscriptions = createSubscriptionStore(db, now);
  const counted = (outcome: AttemptOutcome): AttemptOutcome => {
    metrics?.webhookDeliveries.inc({ outcome: outcome.verdict });
    return outcome;
  };
  return {
    /**
     * One signed POST of one event to one subscription. The HTTP outcome is the answer (never thrown:
     * the workflow records it and decides); only a failure to read the subscription throws and is
     * retried. null when the subscription was deleted meanwhile. The secrets are read here, at each
     * attempt, so they never enter the workflow history and a rotation applies to the next attempt.
     */
    async attemptDelivery(input: {
      deliveryId: string;
      subscriptionId: string;
      payload: WebhookPayload;
    }): Promise<AttemptOutcome | null> {
      const sub = await subscriptions.get(input.subscriptionId);
      if (sub === null) return null;
      const sentAt = now();
      const timestamp = Math.floor(sentAt.getTime() / 1000);
      const body = JSON.stringify(input.payload);
      const headers = {
        'webhook-id': input.deliveryId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureOf(
          activeSecrets(sub, sentAt, secrets),
          input.deliveryId,
          timestamp,
          body,
        ),
        'user-agent': 'order-saga-webhooks/1',
      };
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      try {
        const res = await postJson(sub.url, body, headers, outbound);
        const verdict = verdictOf(res.status);
        return counted({
          status: res.status,
          latencyMs: latency(),
          error:
            verdict === 'delivered'
              ? null
              : `HTTP ${res.status}${res.body ? `: ${res.body.slice(0, 200)}` : ''}`,
          retryAfterMs: retryAfterMs(res.headers['retry-after'], now()),
          verdict,
        });
      } catch (err) {
        const refused = err instanceof TargetRefused;
        return counted({
          status: null,
          latencyMs: latency(),
          error: `${refused ? 'target refused: ' : ''}${err instanceof Error ? err.message : String(err)}`,
          retryAfterMs: null,
          verdict: refused ? 'permanent' : 'retry',
        });
      }
    },
  };
}
