import type { Collection, Db } from 'mongodb';
import type { OrderState } from '../../domain/order';

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

/** Pure: the notifications an order's events recorded (confirmations, reminders, receipts…). */
export function notificationViews(order: OrderState, projectedAt: Date): NotificationView[] {
  return order.timeline.flatMap((t) => {
    if (t.type !== 'NotificationSent' && t.type !== 'PaymentReminderSent') return [];
    const data = t.data as { channel: string; to: string; messageId: string; kind?: string };
    return [
      {
        _id: data.messageId,
        orderId: order.orderId,
        customerId: order.customer.id,
        kind: data.kind ?? 'payment-reminder',
        channel: data.channel,
        to: data.to,
        sentAt: t.at,
        version: t.seq,
        projectedAt,
      },
    ];
  });
}
