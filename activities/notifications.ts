import type { Transporter } from 'nodemailer';
import type { NotificationKind } from '../domain/notifications';
import type { OrderState } from '../domain/order';
import { formatMoney } from '../domain/money';
import { reasonForCustomer } from '../domain/reasons';
import { log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SmsProvider } from '../infra/sms';

export interface NotificationDeps {
  mailer: Transporter;
  from: string;
  sms: SmsProvider;
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
const TEMPLATES: Record<NotificationKind, (o: OrderState) => { subject: string; paragraphs: string[] }> = {
  'order-received': (o) => ({
    subject: `Order ${o.orderId} received`,
    paragraphs: [
      `We received your order ${o.orderId} and are checking stock.`,
      o.items.map((i) => `${i.quantity} x ${i.sku}`).join('\n'),
      'You will get the invoice as soon as it is confirmed.',
    ],
  }),
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
      `Reason: ${reasonForCustomer(o.reason)}`,
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
      `Reason: ${reasonForCustomer(o.reason)}`,
      ...(o.invoice ? [`Invoice no. ${o.invoice.number} is void; nothing is owed.`] : []),
    ],
  }),
  'order-failed': (o) => ({
    subject: `Order ${o.orderId} could not be completed`,
    paragraphs: [`We are sorry: a technical problem stopped your order ${o.orderId}. Nothing was charged.`],
  }),
};

export function renderEmail(kind: NotificationKind, order: OrderState): Rendered {
  const { subject, paragraphs } = TEMPLATES[kind](order);
  const text = `${paragraphs.join('\n\n')}\n`;
  const html = paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join('');
  return { subject, text, html };
}

/** The SMS of each kind: one line, the subject and the one fact that matters. */
export function renderSms(kind: NotificationKind, o: OrderState): string {
  const facts: Record<NotificationKind, string> = {
    'order-received': 'we are checking stock',
    'order-confirmed': `pay ${total(o)} by ${due(o)}` + (o.invoice ? ` (invoice ${o.invoice.number})` : ''),
    'order-rejected': o.reason ?? 'it could not be accepted',
    'payment-reminder': `${total(o)} due by ${due(o)}`,
    'order-paid': `payment of ${total(o)} received, thank you`,
    'order-cancelled': reasonForCustomer(o.reason),
    'order-failed': 'nothing was charged',
  };
  return `${TEMPLATES[kind](o).subject}: ${facts[kind]}.`;
}

/** The stable id of one notification of an order on one channel: a retried send is recognisable. */
export const messageIdOf = (
  orderId: string,
  kind: NotificationKind,
  channel: 'email' | 'sms',
  domain: string,
) => (channel === 'email' ? `<${orderId}.${kind}@${domain}>` : `<${orderId}.${kind}.sms@${domain}>`);

export function createNotificationActivities({
  mailer,
  from,
  sms,
  messageIdDomain = 'orders.local',
}: NotificationDeps) {
  return {
    /** Sends one email; its Message-ID is stable per (order, kind), so a retried send is recognisable. */
    async sendOrderEmail(input: {
      kind: NotificationKind;
      order: OrderState;
    }): Promise<{ messageId: string }> {
      const { subject, text, html } = renderEmail(input.kind, input.order);
      const messageId = messageIdOf(input.order.orderId, input.kind, 'email', messageIdDomain);
      try {
        await mailer.sendMail({ from, to: input.order.customer.email, subject, text, html, messageId });
      } catch (err) {
        // A 5xx reply is the server's final word (no such mailbox, rejected): retrying cannot help.
        const code = (err as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500 && code < 600) {
          throw ApplicationFailure.nonRetryable(
            `mail server refused it: ${(err as Error).message}`,
            'EMAIL_REFUSED',
          );
        }
        throw err;
      }
      // The activity's logger: the line carries the workflowId, runId and orderId. No address in it.
      log.info('email sent', { kind: input.kind, messageId });
      return { messageId };
    },

    /** Sends one SMS to the customer's phone, with the same stable id as its reference. */
    async sendOrderSms(input: { kind: NotificationKind; order: OrderState }): Promise<{ messageId: string }> {
      const to = input.order.customer.phone;
      if (!to) throw ApplicationFailure.nonRetryable('the customer has no phone number', 'NO_PHONE');
      const messageId = messageIdOf(input.order.orderId, input.kind, 'sms', messageIdDomain);
      await sms.send({ to, text: renderSms(input.kind, input.order), reference: messageId });
      log.info('sms sent', { kind: input.kind, messageId });
      return { messageId };
    },
  };
}
