import type { Transporter } from 'nodemailer';
import type { OrderState } from '../domain/order';
import { formatMoney } from '../domain/money';

export type EmailKind = 'order-confirmed' | 'order-rejected';

export interface NotificationDeps {
  mailer: Transporter;
  from: string;
  /** domain part of the stable Message-IDs */
  messageIdDomain?: string;
}

interface Rendered {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderEmail(kind: EmailKind, order: OrderState): Rendered {
  if (kind === 'order-rejected') {
    const subject = `Order ${order.orderId} could not be accepted`;
    const text = `We are sorry: your order ${order.orderId} could not be accepted.\nReason: ${order.reason ?? 'unknown'}\n`;
    return { subject, text, html: `<p>${escapeHtml(text).replace(/\n/g, '<br>')}</p>` };
  }
  const currency = order.currency ?? 'EUR';
  const lines = order.lines.map(
    (l) => `${l.quantity} x ${l.name} (${l.sku}): ${formatMoney({ amount: l.lineTotal, currency })}`,
  );
  const invoice = order.invoice ? `Invoice no. ${order.invoice.number}\n` : '';
  const subject = `Order ${order.orderId} confirmed`;
  const text = `Thank you for your order ${order.orderId}.\n${invoice}\n${lines.join('\n')}\n\nTotal: ${formatMoney({ amount: order.total, currency })}\n`;
  const html = `<h1>Thank you for your order</h1><p>Order <b>${escapeHtml(order.orderId)}</b>${order.invoice ? `, invoice no. ${order.invoice.number}` : ''}</p><ul>${lines.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}</ul><p>Total: <b>${escapeHtml(formatMoney({ amount: order.total, currency }))}</b></p>`;
  return { subject, text, html };
}

export function createNotificationActivities({
  mailer,
  from,
  messageIdDomain = 'orders.local',
}: NotificationDeps) {
  return {
    /** Sends one email; its Message-ID is stable per (order, kind), so a retried send is recognisable. */
    async sendOrderEmail(input: { kind: EmailKind; order: OrderState }): Promise<{ messageId: string }> {
      const { subject, text, html } = renderEmail(input.kind, input.order);
      const messageId = `<${input.order.orderId}.${input.kind}@${messageIdDomain}>`;
      await mailer.sendMail({ from, to: input.order.customer.email, subject, text, html, messageId });
      return { messageId };
    },
  };
}
