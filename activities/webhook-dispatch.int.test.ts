import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { makeEvent, type OrderEvent } from '../domain/events';
import { startStores, type TestStores } from '../test/helpers/stores';
import { devServerEnv } from '../test/helpers/temporal';
import { TEST_WEBHOOKS } from '../test/helpers/app';
import { createWebhookDispatcher, deliveryWorkflowId } from './webhook-dispatch';
import { createSubscriptionStore } from './webhook-subscriptions';
import { newDelivery } from '../domain/webhooks';

/**
 * The projector's fan-out of one order's batch to its subscribers, on a real Temporal dev server: the
 * delivery runs are started (on a task queue no worker polls: only the starts are under test).
 */
describe('webhook fan-out to many subscriptions', () => {
  let env: TestWorkflowEnvironment;
  let stores: TestStores;
  beforeAll(async () => {
    [env, stores] = await Promise.all([devServerEnv(), startStores('fan-out')]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([env?.teardown(), stores?.stop()]);
  });

  const at = new Date(Date.UTC(2026, 11, 1, 10));
  const batch = (orderId: string): OrderEvent[] => [
    makeEvent('OrderPlaced', orderId, 1, at, { customer: { id: 'c-1', email: 'a@example.com' }, items: [] }),
    makeEvent('OrderRejected', orderId, 2, at, { code: 'OUT_OF_STOCK', reason: 'none left' }),
  ];

  test('given 50 subscriptions to every event, when a batch of 2 events is dispatched, then 100 runs start, once: again, none', async () => {
    const store = createSubscriptionStore(stores.db);
    const subs = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        store.create({ url: `https://hooks-${i}.example.com/in`, events: ['OrderPlaced', 'OrderRejected'] }),
      ),
    );
    const settings = { ...TEST_WEBHOOKS, taskQueue: 'no-worker-polls-this' };
    const dispatched = async (concurrency: number, orderId: string) => {
      const dispatch = createWebhookDispatcher({ client: env.client, db: stores.db, settings, concurrency });
      return [await dispatch(batch(orderId)), await dispatch(batch(orderId))];
    };
    // one at a time, and 16 at a time (the default): the same runs, each started once
    expect(await dispatched(1, 'o-serial')).toEqual([100, 0]);
    expect(await dispatched(16, 'o-concurrent')).toEqual([100, 0]);
    // every (event, subscription) has its run
    const first = subs[0]?.view.id ?? '';
    const delivery = newDelivery(
      { id: first, url: 'https://hooks-0.example.com/in' },
      batch('o-concurrent')[1] as OrderEvent,
    );
    const described = await env.client.workflow.getHandle(deliveryWorkflowId(delivery.deliveryId)).describe();
    expect(described.status.name).toBe('RUNNING');
  }, 120_000);
});
