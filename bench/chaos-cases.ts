/** The reliability suite's cases, in the order it runs them. */
export const CASES = [
  'kill-saga-worker',
  'restart-temporal',
  'redis-outage',
  'mongo-outage',
  'flaky-webhooks',
  'operator-cancel',
  'operator-terminate',
  'due-date-race',
  'hostile-input',
  'admin-auth',
  'kill-one-replica',
] as const;
export type CaseName = (typeof CASES)[number];

/** Cases that need two replicas of each worker (`--cluster`); the dev topology skips them. */
export const CLUSTER_ONLY: readonly CaseName[] = ['kill-one-replica'];
