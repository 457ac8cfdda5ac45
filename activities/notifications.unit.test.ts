import { makeEvent } from '../domain/events';
import { fold, type OrderState } from '../domain/order';
import { OPERATOR_CANCELLATION, PAYMENT_TIMEOUT, reconciledReason } from '../domain/reasons';
import { renderEmail, renderSms } from './notifications';

const at = new Date('2026-01-01T00:00:00Z');
const cancelled = (reason: string) =>
  fold([
    makeEvent('OrderPlaced', 'o-1', 1, at, {
      customer: { id: 'c-1', email: 'a@example.com' },
      items: [{ sku: 'KB-001', quantity: 1 }],
    }),
    makeEvent('OrderCancelled', 'o-1', 2, at, { reason }),
  ]) as OrderState;

describe('what the customer reads of a cancellation', () => {
  test.each([
    [OPERATOR_CANCELLATION, 'it was cancelled by our staff'],
    [reconciledReason('TERMINATED'), 'it was cancelled by our staff'],
    [PAYMENT_TIMEOUT, 'the payment did not arrive by the due date'],
    ['changed my mind', 'changed my mind'],
  ])('given the reason %s, then the email and the SMS say "%s" and nothing of Temporal', (reason, told) => {
    const email = renderEmail('order-cancelled', cancelled(reason));
    const sms = renderSms('order-cancelled', cancelled(reason));
    expect(email.text).toContain(`Reason: ${told}`);
    expect(sms).toContain(told);
    for (const text of [email.text, email.html, sms]) {
      expect(text).not.toMatch(/Temporal|reconciliation|payment-timeout/);
    }
  });
});
