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
