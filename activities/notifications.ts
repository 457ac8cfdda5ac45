import type { Transporter } from 'nodemailer';
import type { OrderState } from '../domain/order';
import { formatMoney } from '../domain/money';

/** One email per customer-facing moment of the saga. */
export type EmailKind =
  | 'order-confirmed'
  | 'order-rejected'
  | 'payment-reminder'
  | 'order-paid'
  | 'order-cancelled'
  | 'order-failed';

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

const total = (o: OrderState) => formatMoney({ amount: o.total, currency: o.currency ?? 'EUR' });
const due = (o: OrderState) => (o.invoice ? `${o.invoice.dueAt.slice(0, 16).replace('T', ' ')} UTC` : 'n/a');

/** Subject and paragraphs of each kind; the text and HTML parts are both made from them. */
const TEMPLATES: Record<EmailKind, (o: OrderState) => { subject: string; paragraphs: string[] }> = {
  'order-confirmed': (o) => ({
    subject: `Order ${o.orderId} confirmed`,
    paragraphs: [
      `Thank you for your order ${o.orderId}.`,
      ...(o.invoice ? [`Invoice no. ${o.invoice.number}, payable by ${due(o)}.`] : []),
      o.lines
        .map(
          (l) =>
            `${l.quantity} x ${l.name} (${l.sku}): ${formatMoney({ amount: l.lineTotal, currency: o.currency ?? 'EUR' })}`,
        )
        .join('\n'),
      `Total: ${total(o)}`,
    ],
  }),
  'order-rejected': (o) => ({
    subject: `Order ${o.orderId} could not be accepted`,
    paragraphs: [
      `We are sorry: your order ${o.orderId} could not be accepted.`,
      `Reason: ${o.reason ?? 'unknown'}`,
    ],
  }),
  'payment-reminder': (o) => ({
    subject: `Payment reminder for order ${o.orderId}`,
    paragraphs: [
      `We have not yet received the payment of ${total(o)} for order ${o.orderId}` +
        (o.invoice ? ` (invoice no. ${o.invoice.number}).` : '.'),
      `Please pay by ${due(o)}; unpaid orders are cancelled on that date.`,
    ],
  }),
  'order-paid': (o) => ({
    subject: `Payment received for order ${o.orderId}`,
    paragraphs: [
      `We received your payment of ${total(o)}` + (o.payment ? ` (reference ${o.payment.reference}).` : '.'),
      `Your order ${o.orderId} is complete.`,
    ],
  }),
  'order-cancelled': (o) => ({
    subject: `Order ${o.orderId} cancelled`,
    paragraphs: [
      `Your order ${o.orderId} has been cancelled.`,
      `Reason: ${o.reason ?? 'unknown'}`,
      ...(o.invoice ? [`Invoice no. ${o.invoice.number} is void; nothing is owed.`] : []),
    ],
  }),
  'order-failed': (o) => ({
    subject: `Order ${o.orderId} could not be completed`,
    paragraphs: [`We are sorry: a technical problem stopped your order ${o.orderId}. Nothing was charged.`],
  }),
};

export function renderEmail(kind: EmailKind, order: OrderState): Rendered {
  const { subject, paragraphs } = TEMPLATES[kind](order);
  const text = `${paragraphs.join('\n\n')}\n`;
  const html = paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('');
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
