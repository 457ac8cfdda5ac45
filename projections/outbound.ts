import type { WebhookDelivery } from '../domain/webhooks';
import {
  deadLetterOfDelivery,
  deadLetterOfNotification,
  type DeadLetter,
  type NotificationFailure,
} from './dead-letters/view';
import type { OutboundRecords } from './history';
import type { NotificationView } from './notifications/view';
import { deliveryViewOf, type DeliveryView } from './webhook-deliveries/view';

/**
 * Folds what the runs recorded into `webhook_deliveries`, `dead_letters` and the redriven
 * notifications, the way the projector wrote them: per id, the state with the highest version wins.
 */
export function outboundFold() {
  const deliveries = new Map<string, WebhookDelivery>();
  const letters = new Map<string, Omit<DeadLetter, 'projectedAt'>>();
  const notifications = new Map<string, OutboundRecords['notifications'][number]>();
  const keepNewest = <T extends { version: number }>(map: Map<string, T>, id: string, value: T) => {
    const current = map.get(id);
    if (!current || current.version < value.version) map.set(id, value);
  };
  return {
    /** the dead letters of the notifications an order run gave up on */
    addFailures(failures: NotificationFailure[]): void {
      for (const f of failures) {
        const { projectedAt: _p, ...letter } = deadLetterOfNotification(f, new Date(0));
        keepNewest(letters, letter._id, letter);
      }
    },
    add(records: OutboundRecords): void {
      for (const d of records.deliveries) keepNewest(deliveries, d.deliveryId, d);
      for (const l of records.letters) keepNewest(letters, l._id, l);
      for (const n of records.notifications) if (!notifications.has(n._id)) notifications.set(n._id, n);
    },
    docs(projectedAt: Date): {
      deliveries: DeliveryView[];
      letters: DeadLetter[];
      notifications: NotificationView[];
    } {
      const all = new Map(letters);
      for (const d of deliveries.values()) {
        const letter = deadLetterOfDelivery(d, projectedAt);
        if (letter) keepNewest(all, letter._id, letter);
      }
      return {
        deliveries: [...deliveries.values()].map((d) => deliveryViewOf(d, projectedAt)),
        letters: [...all.values()].map((l) => ({ ...l, projectedAt })),
        notifications: [...notifications.values()].map((n) => ({ ...n, version: 0, projectedAt })),
      };
    },
  };
}
