import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { makeEvent, type DataOf, type OrderEvent, type OrderEventType } from '../domain/events';
import { evolve, isTerminal, type OrderState } from '../domain/order';
import { formatMoney } from '../domain/money';
import { ORDER_STATUS, ORDER_TOTAL } from './search-attributes';
import type { ProjectionOutbox } from './projection-outbox';

/**
 * The order's event log: each event is folded into the state (the `getOrder` query answers it), kept
 * in the run's history (the workflow's state is replayed from it) and handed to the projector. Search
 * attributes and the Web UI's details follow each change of status.
 */
export class OrderLog {
  private current: OrderState | null = null;
  private seq = 0;
  private endSeq: number | null = null;

  constructor(
    private readonly orderId: string,
    private readonly outbox: ProjectionOutbox,
  ) {}

  get state(): OrderState | null {
    return this.current;
  }

  /** seq of the last event recorded */
  get lastSeq(): number {
    return this.seq;
  }

  /** The order has ended and its final event is in the read models: a command's caller reads its write. */
  get settled(): boolean {
    return this.endSeq !== null && this.outbox.projectedUpTo >= this.endSeq;
  }

  record<T extends OrderEventType>(type: T, data: DataOf<T>): OrderState {
    return this.apply(makeEvent(type, this.orderId, this.seq + 1, new Date(), data));
  }

  /**
   * Carries on the log of an earlier run of the order (the reconciliation closing an abandoned one):
   * its events are folded in and handed to the projector again, which ignores those it has applied,
   * so that this run's history holds the order's whole log.
   */
  carryOn(events: readonly OrderEvent[]): void {
    for (const event of events) this.apply(event);
  }

  private apply(event: OrderEvent): OrderState {
    const next = evolve(this.current, event);
    if (next.status !== this.current?.status || next.total !== this.current.total) {
      // Operators find orders by state in the Web UI: `OrderStatus="AWAITING_PAYMENT"`.
      upsertSearchAttributes([
        { key: ORDER_STATUS, value: next.status },
        { key: ORDER_TOTAL, value: next.total / 100 },
      ]);
      setCurrentDetails(details(next));
    }
    this.current = next;
    this.seq = event.seq;
    if (this.endSeq === null && isTerminal(next.status)) this.endSeq = event.seq;
    this.outbox.add(event);
    return next;
  }
}

/** What the Web UI shows as the run's current details. */
function details(s: OrderState): string {
  const money = formatMoney({ amount: s.total, currency: s.currency ?? 'EUR' });
  switch (s.status) {
    case 'AWAITING_PAYMENT':
      return `Awaiting payment of ${money} (invoice ${s.invoice?.number ?? '?'}) until ${s.invoice?.dueAt ?? '?'}`;
    case 'REJECTED':
    case 'CANCELLED':
    case 'FAILED':
      return `${s.status}: ${s.reason ?? ''}`;
    default:
      return `${s.status}, ${money}`;
  }
}
