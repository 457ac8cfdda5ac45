import type { OrderSnapshot } from '../../workflows/order';
import type { OrderView } from '../schemas';

/** The answer of a strong read or a command: the workflow's own state, as fresh as it gets. */
export function viewOfSnapshot({ version, pending, ...state }: OrderSnapshot): OrderView {
  return {
    ...state,
    pending: {
      payment: pending.payment && { reference: pending.payment.reference },
      cancellation: pending.cancellation && { reason: pending.cancellation.reason },
      closing: pending.closing && { end: pending.closing.end, reason: pending.closing.reason },
    },
    freshness: { source: 'workflow', seq: version },
  };
}
