import { ORDER_EVENT_TYPES, type OrderEvent, type OrderEventType } from './events';

/** Every order event a subscriber may name: all of them, so a new event type is subscribable at once. */
export const SUBSCRIBABLE_EVENTS: readonly OrderEventType[] = ORDER_EVENT_TYPES;

/** The body a receiver gets (Standard Webhooks: `type`, `timestamp`, `data`). */
export interface WebhookPayload {
  type: OrderEventType;
  timestamp: string;
  data: { orderId: string; seq: number } & Record<string, unknown>;
}

export const payloadOf = (event: OrderEvent): WebhookPayload => ({
  type: event.type,
  timestamp: event.at,
  data: { orderId: event.orderId, seq: event.seq, ...event.data },
});

/** A delivery not yet tried. */
export const newDelivery = (sub: { id: string; url: string }, event: OrderEvent): WebhookDelivery => ({
  deliveryId: deliveryIdOf(sub.id, event.orderId, event.seq),
  subscriptionId: sub.id,
  url: sub.url,
  eventType: event.type,
  orderId: event.orderId,
  seq: event.seq,
  payload: payloadOf(event),
  status: 'pending',
  attempts: [],
  reason: null,
  redrives: 0,
  version: 0,
});

/** The `webhook-id` of one event for one subscription: the same on every attempt and every redrive. */
export const deliveryIdOf = (subscriptionId: string, orderId: string, seq: number): string =>
  `msg_${subscriptionId}_${orderId}_${seq}`;

/** What one HTTP attempt came to. */
export interface AttemptOutcome {
  /** HTTP status, or null when no response came (network error, timeout, refused target) */
  status: number | null;
  latencyMs: number;
  error: string | null;
  /** the receiver asked to wait this long (Retry-After), if it said */
  retryAfterMs: number | null;
  verdict: 'delivered' | 'retry' | 'permanent';
}

/**
 * 2xx is success; 408, 429, 5xx and no response at all are worth another try; any other status
 * (3xx, since redirects are not followed, and the other 4xx) says the receiver will not take it.
 */
export function verdictOf(status: number | null): AttemptOutcome['verdict'] {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'permanent';
}

export interface RetryPolicy {
  /** the first wait */
  initialMs: number;
  /** the longest single wait */
  maxMs: number;
  /** attempts stop once this long has passed since the first */
  windowMs: number;
}

/**
 * A number in [0, 1) that differs from delivery to delivery and attempt to attempt, yet is the same on
 * every replay (FNV-1a of the id and the attempt): jitter without randomness in the workflow.
 */
export function jitterOf(deliveryId: string, attempt: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${deliveryId}#${attempt}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 0x100000000;
}

/**
 * The wait before attempt `n + 1` after `n` failed ones: exponential, capped, with jitter between half
 * and the whole of it so that receivers coming back are not hit by every sender at once (`jitter` in
 * [0, 1), from `jitterOf`). A Retry-After longer than that wins, up to the longest wait.
 */
export function backoffMs(policy: RetryPolicy, failed: number, jitter: number, retryAfterMs: number | null) {
  const exp = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, failed - 1));
  const jittered = Math.round(exp / 2 + (exp / 2) * jitter);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, policy.maxMs));
}

export interface DeliveryAttempt {
  n: number;
  at: string;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead' | 'skipped';

/** One event on its way to one subscription: the `webhook_deliveries` document, as the workflow keeps it. */
export interface WebhookDelivery {
  deliveryId: string;
  subscriptionId: string;
  url: string;
  eventType: OrderEventType;
  orderId: string;
  seq: number;
  /** what is sent, the same on every attempt */
  payload: WebhookPayload;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** why it stopped without being delivered */
  reason: string | null;
  /** how many times an operator redrove it */
  redrives: number;
  /** grows with every change: the projector never writes an older one over a newer */
  version: number;
}

/** Pure: the delivery after one more attempt. */
export function afterAttempt(d: WebhookDelivery, outcome: AttemptOutcome, at: Date): WebhookDelivery {
  const attempt: DeliveryAttempt = {
    n: d.attempts.length + 1,
    at: at.toISOString(),
    status: outcome.status,
    latencyMs: outcome.latencyMs,
    error: outcome.error,
  };
  return {
    ...d,
    status: outcome.verdict === 'delivered' ? 'delivered' : d.status,
    attempts: [...d.attempts, attempt],
    version: d.version + 1,
  };
}

/** Pure: the delivery ended without success. */
export const ended = (d: WebhookDelivery, status: 'dead' | 'skipped', reason: string): WebhookDelivery => ({
  ...d,
  status,
  reason,
  version: d.version + 1,
});
