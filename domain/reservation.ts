import type { OrderItem, OrderLine } from './events';
import { ErrorCode } from './errors';
import { isPayable, lineTotal, MAX_PAYMENT, sum } from './money';
import type { ProductFacts } from './stock';

/** Why an order cannot be reserved at all, decided before any stock is held. */
export interface ReservationRefusal {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}

/** An order's priced lines, or its refusal. */
export type Pricing =
  { lines: OrderLine[]; total: number; currency: string } | { refused: ReservationRefusal };

/** The same SKU twice in one order is one reservation of the summed quantity. */
export function mergeItems(items: readonly OrderItem[]): OrderItem[] {
  const merged = new Map<string, number>();
  for (const i of items) merged.set(i.sku, (merged.get(i.sku) ?? 0) + i.quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * The rules an order meets before stock is held: every SKU known, one currency, and a total a
 * payment can settle (1 to MAX_PAYMENT minor units). The lines are priced at the catalog's prices now;
 * the order keeps them whatever the catalog does later.
 */
export function priceOrder(items: readonly OrderItem[], catalog: ReadonlyMap<string, ProductFacts>): Pricing {
  const unknown = items.map((i) => i.sku).filter((sku) => !catalog.has(sku));
  if (unknown.length > 0) {
    return {
      refused: {
        code: ErrorCode.UnknownSku,
        message: `unknown SKU: ${unknown.join(', ')}`,
        details: { skus: unknown },
      },
    };
  }
  const lines = items.flatMap((i) => {
    const p = catalog.get(i.sku);
    return p ? [{ ...i, name: p.name, unitPrice: p.price, lineTotal: lineTotal(p.price, i.quantity) }] : [];
  });
  const currencies = new Set(items.flatMap((i) => catalog.get(i.sku)?.currency ?? []));
  if (currencies.size > 1) {
    return {
      refused: {
        code: ErrorCode.MixedCurrency,
        message: 'items are priced in more than one currency',
        details: {},
      },
    };
  }
  const total = sum(lines.map((l) => l.lineTotal));
  if (!isPayable(total)) {
    return {
      refused: {
        code: ErrorCode.TotalNotPayable,
        message: `the order's total ${total} cannot be paid: a payment is 1 to ${MAX_PAYMENT} minor units`,
        details: { total },
      },
    };
  }
  return { lines, total, currency: [...currencies][0] ?? 'EUR' };
}
