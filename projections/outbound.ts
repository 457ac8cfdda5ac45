import {
  evolve as evolveLetter,
  letterIdOf,
  type DeadLetter,
  type DeadLetterChange,
  type NotificationFailure,
} from './dead-letters/view';
import type { OutboundRecords } from './history';
import type { NotificationView } from './notifications/view';
import { deliveryOf, evolve as evolveDelivery, type DeliveryView } from './webhook-deliveries/view';

/**
 * Folds what the runs recorded into `webhook_deliveries`, `dead_letters` and the redriven
 * notifications, the way the projector wrote them: per id, the state with the highest version wins.
 */
export function outboundFold() {
  // Folded with a placeholder time; `docs` stamps the rebuild's.
  const folded = new Date(0);
  const deliveries = new Map<string, DeliveryView>();
  const letters = new Map<string, DeadLetter>();
  const notifications = new Map<string, OutboundRecords['notifications'][number]>();
  const foldLetter = (into: Map<string, DeadLetter>, change: DeadLetterChange) => {
    const id = letterIdOf(change);
    const letter = evolveLetter(into.get(id) ?? null, change, folded);
    if (letter) into.set(id, letter);
  };
  return {
    /** the dead letters of the notifications an order run gave up on */
    addFailures(failures: NotificationFailure[]): void {
      for (const failure of failures) foldLetter(letters, { type: 'NotificationFailed', failure });
    },
    add(records: OutboundRecords): void {
      for (const d of records.deliveries) {
        deliveries.set(d.deliveryId, evolveDelivery(deliveries.get(d.deliveryId) ?? null, d, folded));
      }
      for (const letter of records.letters) foldLetter(letters, { type: 'RedriveChanged', letter });
      for (const n of records.notifications) if (!notifications.has(n._id)) notifications.set(n._id, n);
    },
    docs(projectedAt: Date): {
      deliveries: DeliveryView[];
      letters: DeadLetter[];
      notifications: NotificationView[];
    } {
      const all = new Map(letters);
      for (const view of deliveries.values()) {
        foldLetter(all, { type: 'DeliveryChanged', delivery: deliveryOf(view) });
      }
      return {
        deliveries: [...deliveries.values()].map((d) => ({ ...d, projectedAt })),
        letters: [...all.values()].map((l) => ({ ...l, projectedAt })),
        notifications: [...notifications.values()].map((n) => ({ ...n, version: 0, projectedAt })),
      };
    },
  };
}
