import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

/**
 * The Temporal limit of this machine for the benchmark: a workflow that does nothing but run
 * `activities` no-op activities one after another (the saga's count, taken from a real order).
 */
export async function noopSaga(activities: number): Promise<void> {
  for (let i = 0; i < activities; i++) await noop();
}
