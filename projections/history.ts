import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { OrderEvent } from '../domain/events';

/**
 * The domain events of one run, read back from its Temporal history: each event is the input of a
 * `projectEvent` activity the workflow scheduled (so it is recorded once, whatever the retries).
 */
export function eventsOfHistory(history: temporal.api.history.v1.IHistory): OrderEvent[] {
  const events: OrderEvent[] = [];
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name !== 'projectEvent') continue;
    const [payload] = scheduled.input?.payloads ?? [];
    if (payload) events.push(defaultPayloadConverter.fromPayload<OrderEvent>(payload));
  }
  return events.sort((a, b) => a.seq - b.seq);
}

/** Every order run the namespace's visibility knows, newest first, with its events. */
export async function* orderHistories(
  client: Client,
  query = 'WorkflowType = "orderWorkflow"',
): AsyncGenerator<{ workflowId: string; events: OrderEvent[] }> {
  for await (const wf of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
    yield { workflowId: wf.workflowId, events: eventsOfHistory(history) };
  }
}
