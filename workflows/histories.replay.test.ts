import { Worker } from '@temporalio/worker';
import { loadHistories } from '../test/helpers/histories';
import { quietWorkerLogs, TEST_PAYLOAD_KEYS, workflowBundle } from '../test/helpers/temporal';
import { dataConverterFor } from '../infra/payload-codec';

describe('workflow replay (order saga and webhook delivery)', () => {
  const histories = loadHistories();

  const sagaPaths = [
    'order-happy',
    'order-short',
    'order-unknown',
    'order-invoice-fails',
    'order-reserve-fails',
    'order-mail-fails',
    'order-payment-timeout',
    'order-cancel-before-reservation',
    'order-cancel-in-flight',
    'order-cancel-after-invoice',
    'order-void-retries',
    'order-duplicate-payment',
    'order-payment-retried',
    'order-wrong-amount',
    'order-sms',
    'order-sms-refused',
    'order-invoice-stored-then-failed',
    'order-operator-cancel-at-start',
    'order-operator-cancel-reserving',
    'order-operator-cancel-awaiting',
    'order-operator-cancel-compensating',
    'order-operator-cancel-paid',
    'order-due-date-race',
  ];

  test('given the committed histories, there is one for every saga path and every delivery outcome', () => {
    expect(histories.map((h) => h.workflowId)).toEqual(
      expect.arrayContaining([
        ...sagaPaths,
        'order-slow-projector',
        'order-invoice-outage',
        // Closing runs the reconciliation starts for abandoned orders.
        'order-closing-awaiting',
        'order-closing-empty',
        'order-closing-paid',
        'order-closing-ended',
        'webhook-delivered',
        'webhook-retried-until-up',
        'webhook-gone',
        'webhook-exhausted',
        'webhook-redriven',
        'notification-redriven',
        'notification-redrive-failed',
      ]),
    );
  });

  test('given each recorded history, when the current workflow code replays it, then it is deterministic', async () => {
    quietWorkerLogs();
    // With the payload codec the workers run with: these recordings are clear, and pass through it.
    const dataConverter = dataConverterFor(TEST_PAYLOAD_KEYS);
    const results = Worker.runReplayHistories(
      { workflowBundle: await workflowBundle(), dataConverter },
      histories,
    );
    let replayed = 0;
    for await (const r of results) {
      expect({ workflowId: r.workflowId, error: r.error?.message }).toEqual({
        workflowId: r.workflowId,
        error: undefined,
      });
      replayed++;
    }
    expect(replayed).toBe(histories.length);
  });
});
