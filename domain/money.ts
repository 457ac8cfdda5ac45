/** Money is integer minor units (cents) with an ISO 4217 currency; never floats. */
export interface Money {
  amount: number;
  currency: string;
}

export function lineTotal(unitPrice: number, quantity: number): number {
  return unitPrice * quantity;
}

export function sum(amounts: readonly number[]): number {
  return amounts.reduce((a, b) => a + b, 0);
}

export function formatMoney(m: Money): string {
  return `${(m.amount / 100).toFixed(2)} ${m.currency}`;
}

/**
 * The largest amount one payment may carry (10 million in a currency with cents). An order is accepted
 * only if its total is payable: at least 1 and at most this, so every order that awaits a payment can
 * be paid (the payment schema has the same bounds).
 */
export const MAX_PAYMENT = 1_000_000_000;

export const isPayable = (total: number): boolean =>
  Number.isSafeInteger(total) && total >= 1 && total <= MAX_PAYMENT;
