import { loadHistories } from '../test/helpers/histories';
import { describeShape, noopSearchAttributes, orderShape } from './noop-shape';

const history = (name: string) => {
  const found = loadHistories().find((h) => h.workflowId === name);
  if (!found) throw new Error(`no recorded history ${name}`);
  return found.history.events ?? [];
};

describe("the no-op saga's shape, read from an order's history", () => {
  test("given a paid order, then each command is in order, split at the payment, the projector's activities apart", () => {
    const shape = orderShape(history('order-happy'));
    // the recording's test started the run without search attributes (the API starts it with CustomerId)
    expect(shape.startedWith).toEqual([]);
    const totals = ['OrderStatus', 'OrderTotal'];
    expect(shape.beforeUpdate).toEqual([
      { kind: 'upsert', keys: totals },
      { kind: 'local' },
      { kind: 'local' },
      { kind: 'upsert', keys: totals },
      { kind: 'local' },
      { kind: 'upsert', keys: totals },
      { kind: 'local' },
      { kind: 'deadline' },
      { kind: 'activity', queue: 'elsewhere' },
    ]);
    expect(shape.afterUpdate).toEqual([
      { kind: 'upsert', keys: totals },
      { kind: 'upsert', keys: totals },
      { kind: 'local' },
      { kind: 'activity', queue: 'elsewhere' },
    ]);
    expect(shape.elsewhereBeforeUpdate).toBe(1);
    expect(describeShape(shape)).toBe(
      'upsert local local upsert local upsert local deadline activity(elsewhere) | Update | upsert upsert local activity(elsewhere)',
    );
  });

  test('given an order that was never paid, then there is no shape to repeat', () => {
    expect(() => orderShape(history('order-payment-timeout'))).toThrow('took 0 Updates');
  });

  test('given a run that starts a child workflow, then the no-op saga refuses what it cannot repeat', () => {
    const events = history('order-happy');
    const child = { startChildWorkflowExecutionInitiatedEventAttributes: {} };
    expect(() => orderShape([...events.slice(0, 5), child, ...events.slice(5)])).toThrow(
      'cannot repeat startChildWorkflowExecutionInitiated',
    );
  });

  test('given a search attribute the no-op has no value for, then it says which', () => {
    expect(noopSearchAttributes(['OrderTotal']).map((p) => p.key.name)).toEqual(['OrderTotal']);
    expect(() => noopSearchAttributes(['Unknown'])).toThrow('Unknown');
  });
});
