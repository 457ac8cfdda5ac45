import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultDataConverter, defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { orderHistories, outboundHistories, type ListedRun } from './history';

type History = temporal.api.history.v1.IHistory;

/** A history whose run scheduled one `activityType` activity given `input`. */
const historyScheduling = (activityType: string, input: unknown): History => ({
  events: [
    {
      activityTaskScheduledEventAttributes: {
        activityType: { name: activityType },
        input: { payloads: [defaultPayloadConverter.toPayload(input)] },
      },
    },
  ],
});

/**
 * A client whose visibility lists `listed` and whose histories are `kept`; a run not kept was deleted
 * between the listing and the fetch, and its fetch fails as Temporal's does.
 */
function clientKeeping(listed: string[], kept: Record<string, History>): Client {
  const fake = {
    options: { loadedDataConverter: defaultDataConverter },
    workflow: {
      list: async function* () {
        for (const workflowId of listed)
          yield { workflowId, runId: `${workflowId}-run`, status: { name: 'COMPLETED' } };
      },
      getHandle: (workflowId: string, runId?: string) => ({
        fetchHistory: async () => {
          const history = kept[workflowId];
          if (!history) throw new WorkflowNotFoundError('workflow not found', workflowId, runId);
          return history;
        },
      }),
    },
  };
  return fake as unknown as Client;
}

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
};

describe('histories read for a rebuild', () => {
  test('given an outbound run deleted after it was listed, then the others are read and it is skipped', async () => {
    const delivery = { subscriptionId: 'sub-1', orderId: 'o-1', status: 'DELIVERED' };
    const client = clientKeeping(['webhook-gone', 'webhook-kept'], {
      'webhook-kept': historyScheduling('projectDelivery', delivery),
    });
    const records = await collect(outboundHistories(client));
    expect(records).toEqual([{ deliveries: [delivery], letters: [], notifications: [] }]);
  });

  test('given an order run deleted after it was listed, then it is skipped', async () => {
    const event = { type: 'OrderPlaced', orderId: 'o-2', seq: 1 };
    const client = clientKeeping([], { 'order-o-2': historyScheduling('projectEvents', [event]) });
    const runs: ListedRun[] = ['order-o-1', 'order-o-2'].map((workflowId) => ({
      workflowId,
      runId: `${workflowId}-run`,
      status: { name: 'COMPLETED', code: 2 },
    }));
    const orders = await collect(orderHistories(client, runs));
    expect(orders.map((o) => [o.workflowId, o.events])).toEqual([['order-o-2', [event]]]);
  });
});
