import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { gate, HOUR, mockSaga, PAYMENT, runOrder, stepsOf, TOTAL } from '../test/helpers/order-harness';
import { quietWorkerLogs, timeSkippingEnv } from '../test/helpers/temporal';
import { payOrderUpdate } from './order';
import { POLICIES } from './policies';
import { ORDER_STATUS, ORDER_TOTAL } from './search-attributes';

const ATTEMPTS = POLICIES.businessStep.retry.maximumAttempts;

describe('order saga paths (time-skipping server, mocked activities)', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    quietWorkerLogs();
    env = await timeSkippingEnv();
  });
  afterAll(() => env?.teardown());

  test('given stock, when the order is paid, then it completes with every event projected in order', async () => {
    const saga = mockSaga();
    await runOrder(env, 'happy', saga, async (order) => {
      const awaiting = await order.until('AWAITING_PAYMENT');
      expect(awaiting.invoice).toMatchObject({ number: 7, status: 'ISSUED' });
      const due = Date.parse(awaiting.invoice?.dueAt ?? '') - Date.parse(awaiting.timeline[3]?.at ?? '');
      // due is reckoned from when the invoice was asked for, a moment before InvoiceIssued
      expect(due).toBeGreaterThan(48 * HOUR - 60_000); // the invoice step may take a while on a busy machine
      expect(due).toBeLessThanOrEqual(48 * HOUR);
      expect((await order.handle.describe()).typedSearchAttributes.get(ORDER_STATUS)).toBe(
        'AWAITING_PAYMENT',
      );

      const paid = await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] });
      expect(paid).toMatchObject({ status: 'COMPLETED', payment: { reference: 'pay-1', amount: TOTAL } });
      expect(await order.handle.result()).toEqual({ orderId: 'happy', status: 'COMPLETED', reason: null });
      expect(order.types()).toEqual([
        'OrderPlaced',
        'NotificationSent',
        'StockReserved',
        'InvoiceIssued',
        'NotificationSent',
        'PaymentReceived',
        'OrderCompleted',
        'NotificationSent',
      ]);
      expect(order.projected.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      // Two projections: what the local steps up to the invoice email recorded, then payment to receipt.
      expect(order.batches.map((b) => b.map((e) => e.seq))).toEqual([
        [1, 2, 3, 4, 5],
        [6, 7, 8],
      ]);
      expect(order.projected.filter((e) => e.type === 'NotificationSent').map((e) => e.data)).toEqual([
        expect.objectContaining({ kind: 'order-received' }),
        expect.objectContaining({ kind: 'order-confirmed' }),
        expect.objectContaining({ kind: 'order-paid' }),
      ]);
      const { typedSearchAttributes } = await order.handle.describe();
      expect(typedSearchAttributes.get(ORDER_STATUS)).toBe('COMPLETED');
      expect(typedSearchAttributes.get(ORDER_TOTAL)).toBe(178);
      expect(await order.state()).toMatchObject({ status: 'COMPLETED', version: 8 });
    });
    expect(stepsOf(saga)).toEqual(['reserveStock', 'issueInvoice', 'sendOrderEmail', 'sendOrderEmail']);
  });

  test('given the projector holds the first batch, then the saga goes on without it and closes only once every event is projected', async () => {
    const held = gate();
    await runOrder(
      env,
      'slow-projector',
      mockSaga(),
      async (order) => {
        await held.reached;
        // The workflow moved on to the payment while the read models still hold nothing.
        await order.until('AWAITING_PAYMENT');
        expect(order.projected).toEqual([]);
        await order.handle.startUpdate(payOrderUpdate, { args: [PAYMENT], waitForStage: 'ACCEPTED' });
        await order.until('COMPLETED');
        expect((await order.handle.describe()).status.name).toBe('RUNNING');
        expect(order.projected).toEqual([]);

        held.open();
        expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
        expect(order.projected.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        // The first batch held what the first workflow task recorded (its steps are local); the rest
        // of the log, recorded while it was held, came in one more.
        expect(order.batches.map((b) => b.map((e) => e.seq))).toEqual([
          [1, 2, 3, 4, 5],
          [6, 7, 8],
        ]);
      },
      { beforeProject: (batch) => (batch[0]?.seq === 1 ? held.pass() : Promise.resolve()) },
    );
  });

  test('given one item of several is short, when the order is placed, then it is REJECTED with nothing to release', async () => {
    const saga = mockSaga({
      // The activity rolls back its own partial holds (see activities/inventory.int.test.ts).
      reserveStock: async () => {
        throw ApplicationFailure.nonRetryable(
          'insufficient stock for HS-005: 2 requested',
          'INSUFFICIENT_STOCK',
        );
      },
    });
    const items = [
      { sku: 'KB-001', quantity: 1 },
      { sku: 'HS-005', quantity: 2 },
    ];
    await runOrder(
      env,
      'short',
      saga,
      async (order) => {
        expect(await order.handle.result()).toEqual({
          orderId: 'short',
          status: 'REJECTED',
          reason: 'insufficient stock for HS-005: 2 requested',
        });
        expect(order.types()).toEqual([
          'OrderPlaced',
          'NotificationSent',
          'OrderRejected',
          'NotificationSent',
        ]);
        expect(order.projected[2]?.data).toEqual({
          code: 'INSUFFICIENT_STOCK',
          reason: 'insufficient stock for HS-005: 2 requested',
        });
      },
      { items },
    );
    expect(stepsOf(saga)).toEqual(['reserveStock', 'sendOrderEmail']);
  });

  test('given an unknown SKU, when the order is placed, then it is REJECTED without retrying', async () => {
    const saga = mockSaga({
      reserveStock: async () => {
        throw ApplicationFailure.nonRetryable('unknown SKU: NOPE', 'UNKNOWN_SKU');
      },
    });
    await runOrder(env, 'unknown', saga, async (order) => {
      expect((await order.handle.result()).status).toBe('REJECTED');
      expect(order.projected[2]?.data).toMatchObject({ code: 'UNKNOWN_SKU' });
    });
    expect(saga.calls.filter((c) => c === 'reserveStock')).toHaveLength(1);
  });

  test('given the invoice keeps failing before anything is stored, when retries run out, then there is nothing to void, stock is released and the order FAILED', async () => {
    const saga = mockSaga({
      issueInvoice: async () => {
        throw new Error('billing database unreachable');
      },
      voidInvoice: async () => null, // no invoice was stored
    });
    await runOrder(env, 'invoice-fails', saga, async (order) => {
      const result = await order.handle.result();
      expect(result.status).toBe('FAILED');
      expect(result.reason).toContain('billing database unreachable');
      expect(order.types()).toEqual([
        'OrderPlaced',
        'NotificationSent',
        'StockReserved',
        'StockReleased',
        'OrderFailed',
        'NotificationSent',
      ]);
      expect(order.projected[3]?.data).toEqual({
        reason: 'invoice failed: billing database unreachable',
        stock: [],
      });
    });
    expect(saga.calls.filter((c) => c === 'issueInvoice')).toHaveLength(ATTEMPTS);
    expect(saga.calls.slice(-3)).toEqual(['voidInvoice', 'releaseStock', 'sendOrderEmail']);
  });

  test('given an attempt stored the invoice and the step then failed, when retries run out, then that invoice is voided before the stock is released', async () => {
    const saga = mockSaga({
      issueInvoice: async () => {
        throw new Error('billing store timed out after the insert');
      },
      voidInvoice: async () => ({ invoiceId: 'inv-o', number: 7 }),
    });
    await runOrder(env, 'invoice-stored-then-failed', saga, async (order) => {
      expect((await order.handle.result()).status).toBe('FAILED');
      expect(order.types().slice(2)).toEqual([
        'StockReserved',
        'InvoiceVoided',
        'StockReleased',
        'OrderFailed',
        'NotificationSent',
      ]);
      expect(order.projected[3]?.data).toEqual({
        invoiceId: 'inv-o',
        number: 7,
        reason: 'invoice failed: billing store timed out after the insert',
      });
    });
  });

  test('given the billing store is down for half a minute, when the invoice is asked for, then the step rides it out and the order goes on', async () => {
    let failures = 0;
    const saga = mockSaga({
      issueInvoice: async () => {
        // 8 failed attempts: 0.2 + 0.4 + 0.8 + 1.6 + 3.2 + 6.4 + 10 = 22.6 s of waiting, then up again.
        if (failures++ < 8) throw new Error('billing database unreachable');
        return {
          invoiceId: 'inv-1',
          number: 7,
          total: TOTAL,
          currency: 'EUR',
          dueAt: '2026-01-03T00:00:00.000Z',
        };
      },
    });
    await runOrder(env, 'invoice-outage', saga, async (order) => {
      await env.sleep('1 minute'); // the waits of a second or more are timers: skipped
      expect(await order.until('AWAITING_PAYMENT')).toMatchObject({ invoice: { number: 7 } });
      await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] });
      expect(await order.handle.result()).toMatchObject({ status: 'COMPLETED' });
    });
    expect(saga.calls.filter((c) => c === 'issueInvoice')).toHaveLength(9);
  });

  test('given the stock store keeps failing, when retries run out, then any hold is released and the order FAILED', async () => {
    const saga = mockSaga({
      reserveStock: async () => {
        throw new Error('inventory unreachable');
      },
    });
    await runOrder(env, 'reserve-fails', saga, async (order) => {
      const result = await order.handle.result();
      expect(result).toMatchObject({ status: 'FAILED' });
      expect(result.reason).toContain('inventory unreachable');
      expect(order.types()).toEqual([
        'OrderPlaced',
        'NotificationSent',
        'StockReleased',
        'OrderFailed',
        'NotificationSent',
      ]);
    });
    expect(stepsOf(saga)).toEqual([
      ...Array<string>(ATTEMPTS).fill('reserveStock'),
      'releaseStock',
      'sendOrderEmail',
    ]);
  });

  test('given the email keeps failing, when the order is invoiced and paid, then it still completes and each email is a dead letter', async () => {
    const saga = mockSaga({
      sendOrderEmail: async () => {
        throw new Error('SMTP down');
      },
    });
    await runOrder(env, 'mail-fails', saga, async (order) => {
      // The order-received email retries first: let the test server skip its back-off.
      await env.sleep('1 minute');
      await order.until('AWAITING_PAYMENT');
      await order.handle.startUpdate(payOrderUpdate, { args: [PAYMENT], waitForStage: 'ACCEPTED' });
      // Waiting for the result lets the test server skip the email's retry back-off.
      expect((await order.handle.result()).status).toBe('COMPLETED');
      expect(order.types()).not.toContain('NotificationSent');
      // While an email waits between attempts, what was recorded goes to the projector: the read
      // models do not wait for the mail server.
      expect(order.batches.map((b) => b.map((e) => e.seq))).toEqual([[1], [2, 3], [4, 5]]);
      expect(order.deadLetters.map((d) => [d.channel, d.kind, d.attempts, d.refused, d.error])).toEqual([
        ['email', 'order-received', 5, false, 'SMTP down'],
        ['email', 'order-confirmed', 5, false, 'SMTP down'],
        ['email', 'order-paid', 5, false, 'SMTP down'],
      ]);
      expect(order.deadLetters[2]?.order).toMatchObject({ orderId: 'mail-fails', status: 'COMPLETED' });
    });
    expect(saga.calls.filter((c) => c === 'sendOrderEmail')).toHaveLength(15);
  });

  test('given a phone number, when the SMS gateway refuses, then the email still goes, the SMS is a dead letter and the order completes', async () => {
    const saga = mockSaga({
      sendOrderSms: async () => {
        throw ApplicationFailure.nonRetryable('SMS gateway answered 400', 'SMS_REFUSED');
      },
    });
    const customer = { id: 'c-2', email: 'bo@example.com', phone: '+4915112345678' };
    await runOrder(
      env,
      'sms-refused',
      saga,
      async (order) => {
        await order.until('AWAITING_PAYMENT');
        await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] });
        expect((await order.handle.result()).status).toBe('COMPLETED');
        const sent = order.projected.filter((e) => e.type === 'NotificationSent').map((e) => e.data);
        expect(sent.map((d) => (d as { kind: string }).kind)).toEqual([
          'order-received',
          'order-confirmed',
          'order-paid',
        ]);
        expect(sent.every((d) => (d as { channel: string }).channel === 'email')).toBe(true);
        // Refused (not retryable): one attempt each, each a dead letter saying so.
        expect(order.deadLetters.map((d) => [d.channel, d.kind, d.to, d.attempts, d.refused])).toEqual([
          ['sms', 'order-received', '+4915112345678', 1, true],
          ['sms', 'order-confirmed', '+4915112345678', 1, true],
          ['sms', 'order-paid', '+4915112345678', 1, true],
        ]);
      },
      { customer },
    );
    expect(saga.calls.filter((c) => c === 'sendOrderSms')).toHaveLength(3);
  });

  test('given a phone number, then every notification goes by email and by SMS, each recorded with its channel', async () => {
    const customer = { id: 'c-3', email: 'cy@example.com', phone: '+447700900123' };
    await runOrder(
      env,
      'sms',
      mockSaga(),
      async (order) => {
        await order.until('AWAITING_PAYMENT');
        await order.handle.executeUpdate(payOrderUpdate, { args: [PAYMENT] });
        await order.handle.result();
        const sent = order.projected
          .filter((e) => e.type === 'NotificationSent')
          .map((e) => {
            const d = e.data as { channel: string; kind: string; to: string; messageId: string };
            return [d.channel, d.kind, d.to, d.messageId];
          });
        expect(sent).toEqual([
          ['email', 'order-received', 'cy@example.com', '<sms.order-received@test>'],
          ['sms', 'order-received', '+447700900123', '<sms.order-received.sms@test>'],
          ['email', 'order-confirmed', 'cy@example.com', '<sms.order-confirmed@test>'],
          ['sms', 'order-confirmed', '+447700900123', '<sms.order-confirmed.sms@test>'],
          ['email', 'order-paid', 'cy@example.com', '<sms.order-paid@test>'],
          ['sms', 'order-paid', '+447700900123', '<sms.order-paid.sms@test>'],
        ]);
        expect(order.deadLetters).toEqual([]);
      },
      { customer },
    );
  });

  test('given no payment, when 48 h pass, then a reminder went out at 24 h and the order is cancelled and compensated', async () => {
    const saga = mockSaga();
    await runOrder(env, 'payment-timeout', saga, async (order) => {
      // Waiting for the result lets the test server skip the timers.
      expect(await order.handle.result()).toEqual({
        orderId: 'payment-timeout',
        status: 'CANCELLED',
        reason: 'payment-timeout',
      });
      expect(order.types()).toEqual([
        'OrderPlaced',
        'NotificationSent',
        'StockReserved',
        'InvoiceIssued',
        'NotificationSent',
        'PaymentReminderSent',
        'InvoiceVoided',
        'StockReleased',
        'OrderCancelled',
        'NotificationSent',
      ]);
      const at = (type: string) => Date.parse(order.projected.find((e) => e.type === type)?.at ?? '');
      expect(at('PaymentReminderSent') - at('InvoiceIssued')).toBeGreaterThanOrEqual(24 * HOUR);
      expect(at('PaymentReminderSent') - at('InvoiceIssued')).toBeLessThan(25 * HOUR);
      expect(at('OrderCancelled') - at('InvoiceIssued')).toBeGreaterThanOrEqual(48 * HOUR);
      expect(at('OrderCancelled') - at('InvoiceIssued')).toBeLessThan(49 * HOUR);
      expect(order.projected.find((e) => e.type === 'InvoiceVoided')?.data).toEqual({
        invoiceId: 'inv-o',
        number: 7,
        reason: 'payment-timeout',
      });
      expect(await order.state()).toMatchObject({ status: 'CANCELLED', invoice: { status: 'VOID' } });
    });
    expect(stepsOf(saga)).toEqual([
      'reserveStock',
      'issueInvoice',
      'sendOrderEmail',
      'sendOrderEmail',
      'voidInvoice',
      'releaseStock',
      'sendOrderEmail',
    ]);
  });
});
