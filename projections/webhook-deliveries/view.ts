import type { Collection, Db } from 'mongodb';
import type { WebhookDelivery } from '../../domain/webhooks';

/** `webhook_deliveries`: one document per (event, subscription) with every attempt it took. */
export type DeliveryView = Omit<WebhookDelivery, 'deliveryId'> & {
  _id: string;
  /** when the last change landed */
  projectedAt: Date;
};

export const deliveriesCollection = (db: Db): Collection<DeliveryView> =>
  db.collection<DeliveryView>('webhook_deliveries');

export async function ensureDeliveryIndexes(db: Db): Promise<void> {
  await deliveriesCollection(db).createIndex({ subscriptionId: 1, 'payload.timestamp': -1, _id: -1 });
  await deliveriesCollection(db).createIndex({ orderId: 1 });
}

/**
 * What it is a projection of: the delivery workflow's state, which it reports at each change
 * (`projectDelivery`), its version counting the changes.
 */
export const handles = ['DeliveryChanged'] as const;

/** The newest state wins: a report may come twice, or after a later one. */
export const evolve = (
  doc: DeliveryView | null,
  delivery: WebhookDelivery,
  projectedAt: Date,
): DeliveryView =>
  doc !== null && doc.version >= delivery.version ? doc : deliveryViewOf(delivery, projectedAt);

const deliveryViewOf = ({ deliveryId, ...rest }: WebhookDelivery, projectedAt: Date): DeliveryView => ({
  _id: deliveryId,
  ...rest,
  projectedAt,
});

export const deliveryOf = ({ _id, projectedAt: _p, ...rest }: DeliveryView): WebhookDelivery => ({
  deliveryId: _id,
  ...rest,
});

/**
 * A subscription's deliveries, newest event first (then by id: one order's events share no instant).
 * Not by id alone: `msg_<sub>_<order>_<seq>` sorts as a string, so seq 10 came before 9 and orders
 * interleaved by their ids, not by time.
 */
export function deliveriesOf(db: Db, subscriptionId: string, limit: number): Promise<DeliveryView[]> {
  return deliveriesCollection(db)
    .find({ subscriptionId })
    .sort({ 'payload.timestamp': -1, _id: -1 })
    .limit(limit)
    .toArray();
}
