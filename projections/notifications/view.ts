import type { Collection, Db } from 'mongodb';
import type { OrderState } from '../../domain/order';
import { foldView, type EntryOf, type OrderReadModel, type OrderView } from '../order-view';

/** `notifications`: every message sent to a customer, one document per stable Message-ID. */
export interface NotificationView {
  _id: string;
  orderId: string;
  customerId: string;
  kind: string;
  channel: string;
  to: string;
  sentAt: string;
  /** seq of the event that recorded it */
  version: number;
  projectedAt: Date;
}

export const notificationsCollection = (db: Db): Collection<NotificationView> =>
  db.collection<NotificationView>('notifications');

export async function ensureNotificationIndexes(db: Db): Promise<void> {
  await notificationsCollection(db).createIndex({ orderId: 1 });
  await notificationsCollection(db).createIndex({ customerId: 1, sentAt: -1 });
}

export const handles = ['NotificationSent', 'PaymentReminderSent'] as const;

/** Each message sent is one more notification: its Message-ID is its id, its event's seq its version. */
export function evolve(
  doc: Omit<NotificationView, 'projectedAt'>[] | null,
  event: EntryOf<(typeof handles)[number]>,
  order: OrderState,
): Omit<NotificationView, 'projectedAt'>[] {
  const sent = {
    _id: event.data.messageId,
    orderId: order.orderId,
    customerId: order.customer.id,
    kind: event.type === 'NotificationSent' ? event.data.kind : 'payment-reminder',
    channel: event.data.channel,
    to: event.data.to,
    sentAt: event.at,
    version: event.seq,
  };
  return [...(doc ?? []), sent];
}

export const notificationsView: OrderView<Omit<NotificationView, 'projectedAt'>[], (typeof handles)[number]> =
  {
    handles,
    evolve,
  };

/** The `notifications` read model: one document per message sent, versioned by its event. */
export const notifications: OrderReadModel<NotificationView> = {
  name: 'notifications',
  collection: notificationsCollection,
  versionedBy: 'event',
  documentsOf: (steps, _order, projectedAt) =>
    (foldView(notificationsView, steps) ?? []).map((n) => ({ ...n, projectedAt })),
};
