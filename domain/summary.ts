import type { Customer, OrderItem } from './events';

/** What an operator reads in the Temporal Web UI for a run: one line, then a little markdown. */
export function orderSummary(
  orderId: string,
  customer: Customer,
  items: readonly OrderItem[],
): { summary: string; details: string } {
  const list = items.map((i) => `${i.quantity}× ${i.sku}`);
  const shown = list.length > 3 ? [...list.slice(0, 3), `+${list.length - 3} more`] : list;
  return {
    summary: `Order ${orderId} · customer ${customer.id} · ${shown.join(', ')}`,
    details: [
      `**Order** ${orderId}`,
      `**Customer** ${customer.id}`,
      '',
      '| SKU | quantity |',
      '|---|---|',
      ...items.map((i) => `| ${i.sku} | ${i.quantity} |`),
    ].join('\n'),
  };
}
