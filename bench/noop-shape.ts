import type { SearchAttributePair } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { CUSTOMER_ID, ORDER_STATUS, ORDER_TOTAL } from '../workflows/search-attributes';

/**
 * One command of the order's run as the no-op saga repeats it: a search-attribute write (the same
 * keys), a local activity, an ordinary activity on the workflow's own task queue or on another (the
 * projector's), or the deadline the wait for the Update carries (a timer started, then cancelled).
 */
export type NoopStep =
  | { kind: 'upsert'; keys: string[] }
  | { kind: 'local' }
  | { kind: 'activity'; queue: 'own' | 'elsewhere' }
  | { kind: 'deadline' };

/**
 * The order's shape: what its run does before the payment's Update is accepted and after. Activities
 * are started and run alongside, as the order's projection outbox runs; the Update's answer waits for
 * them all, as the order's does.
 */
export interface NoopShape {
  /** the search attributes the run is started with */
  startedWith: string[];
  beforeUpdate: NoopStep[];
  afterUpdate: NoopStep[];
  /** ordinary activities on the other task queue before the Update: the client waits for them, as a
   * customer waits for the read model to show the order awaiting payment */
  elsewhereBeforeUpdate: number;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The commands the no-op saga cannot repeat: the order's shape has changed, so must the no-op. */
const UNSUPPORTED: (keyof HistoryEvent)[] = [
  'startChildWorkflowExecutionInitiatedEventAttributes',
  'signalExternalWorkflowExecutionInitiatedEventAttributes',
  'requestCancelExternalWorkflowExecutionInitiatedEventAttributes',
  'workflowPropertiesModifiedEventAttributes',
  'workflowExecutionContinuedAsNewEventAttributes',
];

const keysOf = (attributes: temporal.api.common.v1.ISearchAttributes | null | undefined): string[] =>
  Object.keys(attributes?.indexedFields ?? {}).sort();

/** The step an event of the order's history stands for, or null for the events that are not commands. */
function stepOf(event: HistoryEvent, ownQueue: string): NoopStep | null {
  const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
  if (upsert) return { kind: 'upsert', keys: keysOf(upsert.searchAttributes) };
  if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') return { kind: 'local' };
  const scheduled = event.activityTaskScheduledEventAttributes;
  if (scheduled)
    return { kind: 'activity', queue: scheduled.taskQueue?.name === ownQueue ? 'own' : 'elsewhere' };
  if (event.timerStartedEventAttributes) return { kind: 'deadline' };
  const unsupported = UNSUPPORTED.find((attributes) => event[attributes]);
  if (unsupported)
    throw new Error(`the no-op saga cannot repeat ${unsupported.replace(/EventAttributes$/, '')}`);
  return null;
}

/**
 * The shape of a paid order's run, read from its history: each command in order, split at the Update
 * that paid it. Fails on a run without exactly one Update, a timer after it, or a command the no-op
 * saga cannot repeat, so a change of the order's shape does not go unnoticed by the benchmark.
 */
export function orderShape(events: readonly HistoryEvent[]): NoopShape {
  const ownQueue = events[0]?.workflowExecutionStartedEventAttributes?.taskQueue?.name;
  if (!ownQueue) throw new Error('the history does not begin with the run being started');
  const shape: NoopShape = {
    startedWith: keysOf(events[0]?.workflowExecutionStartedEventAttributes?.searchAttributes),
    beforeUpdate: [],
    afterUpdate: [],
    elsewhereBeforeUpdate: 0,
  };
  let updates = 0;
  for (const event of events) {
    if (event.workflowExecutionUpdateAcceptedEventAttributes) updates++;
    const step = stepOf(event, ownQueue);
    if (step === null) continue;
    if (updates === 0) shape.beforeUpdate.push(step);
    else if (step.kind === 'deadline')
      throw new Error('the no-op saga repeats timers only before the Update');
    else shape.afterUpdate.push(step);
  }
  if (updates !== 1) throw new Error(`the order's run took ${updates} Updates; the no-op saga repeats one`);
  if (shape.beforeUpdate.filter((s) => s.kind === 'deadline').length > 1) {
    throw new Error('the no-op saga repeats one deadline before the Update');
  }
  shape.elsewhereBeforeUpdate = shape.beforeUpdate.filter(
    (s) => s.kind === 'activity' && s.queue === 'elsewhere',
  ).length;
  return shape;
}

/** The shape in a line: `upsert local … | upsert …`, for the benchmark's log. */
export const describeShape = (shape: NoopShape): string =>
  [shape.beforeUpdate, shape.afterUpdate]
    .map((steps) => steps.map((s) => (s.kind === 'activity' ? `activity(${s.queue})` : s.kind)).join(' '))
    .join(' | Update | ');

/** The order's search attributes by name, each with a value of its type, for the no-op's writes. */
const NOOP_VALUES: Record<string, SearchAttributePair> = {
  [CUSTOMER_ID.name]: { key: CUSTOMER_ID, value: 'noop-customer' },
  [ORDER_STATUS.name]: { key: ORDER_STATUS, value: 'NOOP' },
  [ORDER_TOTAL.name]: { key: ORDER_TOTAL, value: 1 },
};

/** The no-op's values of the search attributes named; fails on one it has no value for. */
export function noopSearchAttributes(keys: string[]): SearchAttributePair[] {
  return keys.map((name) => {
    const pair = NOOP_VALUES[name];
    if (!pair) throw new Error(`no no-op value for search attribute ${name}`);
    return pair;
  });
}
