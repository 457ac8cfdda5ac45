import { startStores, type TestStores } from '../../test/helpers/stores';
import type { WebhookDelivery } from '../../domain/webhooks';
import { deliveriesCollection, deliveriesOf, ensureDeliveryIndexes, evolve } from './view';

describe('a subscription’s deliveries', () => {
  let stores: TestStores;
  beforeAll(async () => {
    stores = await startStores('deliveries');
    await ensureDeliveryIndexes(stores.db);
  }, 60_000);
  afterAll(() => stores.stop());

  const delivery = (orderId: string, seq: number, minute: number): WebhookDelivery => ({
    deliveryId: `msg_s1_${orderId}_${seq}`,
    subscriptionId: 's1',
    url: 'https://erp.example.com/hooks',
    eventType: 'InvoiceIssued',
    orderId,
    seq,
    payload: {
      type: 'InvoiceIssued',
      timestamp: new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString(),
      data: { orderId, seq },
    },
    status: 'delivered',
    attempts: [],
    reason: null,
    redrives: 0,
    version: 1,
  });

  test('given deliveries of seq 9 and 10 and of two orders, then newest event first, whatever their ids', async () => {
    const all = [delivery('o-b', 9, 1), delivery('o-b', 10, 2), delivery('o-a', 3, 3), delivery('o-c', 1, 0)];
    await deliveriesCollection(stores.db).insertMany(all.map((d) => evolve(null, d, new Date())));
    const listed = await deliveriesOf(stores.db, 's1', 10);
    expect(listed.map((d) => d._id)).toEqual([
      'msg_s1_o-a_3',
      'msg_s1_o-b_10',
      'msg_s1_o-b_9',
      'msg_s1_o-c_1',
    ]);
  });
});
