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
] as const;
export type CaseName = (typeof CASES)[number];
