import type { Collection, Db, Filter } from 'mongodb';
import type { Channel } from '../../domain/events';
import type { OrderState } from '../../domain/order';
import type { WebhookDelivery } from '../../domain/webhooks';

/**
 * `dead_letters`: what could not be delivered after every retry, so that nothing is dropped silently.
 * `open` until an operator redrives it; `redriving` while that runs; `redriven` once it got through.
 */
export interface DeadLetter {
  _id: string;
  kind: 'webhook' | 'notification';
  status: 'open' | 'redriving' | 'redriven' | 'closed';
  /** what was to be delivered, in words */
  what: string;
  /** where to */
  target: string;
  orderId: string;
  /** why it stopped */
  why: string;
  attempts: number;
  lastError: string | null;
  lastAttemptAt: string | null;
  redrives: number;
  /** the source's version: grows with every change */
  version: number;
  projectedAt: Date;
  /** a notification's redrive renders it again from this (not shown by the API) */
  notification?: { kind: string; channel: Channel; order: OrderState };
}

/** A notification that failed all its attempts, as the saga reports it. */
export interface NotificationFailure {
  kind: string;
  channel: Channel;
  to: string;
  order: OrderState;
  attempts: number;
  /** the provider refused it (not retryable) rather than every attempt failing */
  refused: boolean;
  error: string;
  at: string;
}

export const notificationLetterId = (orderId: string, kind: string, channel: Channel) =>
  `ntf_${orderId}_${kind}_${channel}`;

/**
 * What it is a projection of: a notification the saga gave up on (`recordNotificationFailure`), a
 * webhook delivery's state (`projectDelivery`: a letter once it died), and a redrive's progress
 * (`projectDeadLetter`).
 */
export const handles = ['NotificationFailed', 'DeliveryChanged', 'RedriveChanged'] as const;

export type DeadLetterChange =
  | { type: 'NotificationFailed'; failure: NotificationFailure }
  | { type: 'DeliveryChanged'; delivery: WebhookDelivery }
  | { type: 'RedriveChanged'; letter: Omit<DeadLetter, 'projectedAt'> };

/** The letter a change makes, or null (a delivery that never died has none). */
function letterOf(change: DeadLetterChange, projectedAt: Date): DeadLetter | null {
  switch (change.type) {
    case 'NotificationFailed':
      return deadLetterOfNotification(change.failure, projectedAt);
    case 'DeliveryChanged':
      return deadLetterOfDelivery(change.delivery, projectedAt);
    case 'RedriveChanged':
      return { ...change.letter, projectedAt };
  }
}

/** The newest version of a letter wins: changes may come twice, or late. */
export function evolve(
  doc: DeadLetter | null,
  change: DeadLetterChange,
  projectedAt: Date,
): DeadLetter | null {
  const next = letterOf(change, projectedAt);
  return next === null || (doc !== null && doc.version >= next.version) ? doc : next;
}

/** The id of the letter a change is about. */
export function letterIdOf(change: DeadLetterChange): string {
  switch (change.type) {
    case 'NotificationFailed':
      return notificationLetterId(change.failure.order.orderId, change.failure.kind, change.failure.channel);
    case 'DeliveryChanged':
      return change.delivery.deliveryId;
    case 'RedriveChanged':
      return change.letter._id;
  }
}

/** The dead letter of a failed notification (first version; a redrive writes the later ones). */
function deadLetterOfNotification(f: NotificationFailure, projectedAt: Date): DeadLetter {
  const { orderId } = f.order;
  return {
    _id: notificationLetterId(orderId, f.kind, f.channel),
    kind: 'notification',
    status: 'open',
    what: `${f.channel} ${f.kind} of order ${orderId}`,
    target: f.to,
    orderId,
    why: f.refused ? 'refused, not retryable' : `no success after ${f.attempts} attempts`,
    attempts: f.attempts,
    lastError: f.error,
    lastAttemptAt: f.at,
    redrives: 0,
    version: 1,
    projectedAt,
    notification: { kind: f.kind, channel: f.channel, order: f.order },
  };
}

export const deadLettersCollection = (db: Db): Collection<DeadLetter> =>
  db.collection<DeadLetter>('dead_letters');

export async function ensureDeadLetterIndexes(db: Db): Promise<void> {
  // GET /dead-letters, paged newest failure first with the id breaking ties, all or of one status
  await deadLettersCollection(db).createIndex({ lastAttemptAt: -1, _id: -1 });
  await deadLettersCollection(db).createIndex({ status: 1, lastAttemptAt: -1, _id: -1 });
}

const STATUS = { dead: 'open', pending: 'redriving', delivered: 'redriven', skipped: 'closed' } as const;

/**
 * The dead letter a webhook delivery is, or null while it never died (a delivery only has one
 * once it went dead; after that every change of it shows, so a redrive's outcome is on the letter).
 */
function deadLetterOfDelivery(d: WebhookDelivery, projectedAt: Date): DeadLetter | null {
  if (d.status !== 'dead' && d.redrives === 0) return null;
  const last = d.attempts.at(-1);
  return {
    _id: d.deliveryId,
    kind: 'webhook',
    status: STATUS[d.status],
    what: `${d.eventType} #${d.seq} of order ${d.orderId}`,
    target: d.url,
    orderId: d.orderId,
    why: d.reason ?? '',
    attempts: d.attempts.length,
    lastError: last?.error ?? null,
    lastAttemptAt: last?.at ?? null,
    redrives: d.redrives,
    version: d.version,
    projectedAt,
  };
}

/** Where a page of dead letters ends: its last letter's last attempt (null: none) and id. */
export interface LetterCursor {
  lastAttemptAt: string | null;
  id: string;
}

export const encodeLetterCursor = (c: LetterCursor): string =>
  Buffer.from(JSON.stringify([c.lastAttemptAt, c.id]), 'utf8').toString('base64url');

/** The cursor a page returned, or null for anything else. */
export function decodeLetterCursor(raw: string): LetterCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[1] === 'string') {
      const [at, id] = value as [unknown, string];
      if (at === null || typeof at === 'string') return { lastAttemptAt: at, id };
    }
  } catch {
    // not JSON: not a cursor
  }
  return null;
}

/**
 * One page of dead letters, newest failure first (those never attempted last), the id breaking ties,
 * so that paging never skips or repeats a letter; `next` is where the following page starts.
 */
export async function listDeadLetters(
  db: Db,
  filter: { status?: DeadLetter['status'] },
  page: { limit: number; after?: LetterCursor },
): Promise<{ items: DeadLetter[]; next: LetterCursor | null }> {
  const and: Filter<DeadLetter>[] = [];
  if (filter.status) and.push({ status: filter.status });
  if (page.after) and.push(after(page.after));
  const docs = await deadLettersCollection(db)
    .find(and.length > 0 ? { $and: and } : {})
    .sort({ lastAttemptAt: -1, _id: -1 })
    .limit(page.limit + 1)
    .toArray();
  const items = docs.slice(0, page.limit);
  const last = items.at(-1);
  return {
    items,
    next: docs.length > page.limit && last ? { lastAttemptAt: last.lastAttemptAt, id: last._id } : null,
  };
}

/** The letters after `c` in that order: older attempts, then the never attempted (null sorts last). */
function after({ lastAttemptAt, id }: LetterCursor): Filter<DeadLetter> {
  if (lastAttemptAt === null) return { lastAttemptAt: null, _id: { $lt: id } };
  return {
    $or: [
      { lastAttemptAt: { $lt: lastAttemptAt } },
      { lastAttemptAt: null },
      { lastAttemptAt, _id: { $lt: id } },
    ],
  };
}
