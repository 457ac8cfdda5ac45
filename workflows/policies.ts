import type { ActivityOptions } from '@temporalio/workflow';
import { ErrorCode } from '../domain/errors';

/** Business refusals: never retried, whatever the activity throws them with. */
const BUSINESS_CODES: string[] = [
  ErrorCode.UnknownSku,
  ErrorCode.InsufficientStock,
  ErrorCode.MixedCurrency,
  ErrorCode.TotalNotPayable,
];

/**
 * One retry policy per kind of step, so that every activity has explicit timeouts:
 * - business steps (reserve, invoice) retry for about 45 s (a store outage of that length is ridden
 *   out, measured by the reliability suite's 10 s one), then the saga compensates;
 * - compensations (release, void) and projections retry until they succeed: they are idempotent and
 *   giving up would leave stock held or a read model behind;
 * - notifications retry for a few minutes and never fail the order;
 * - a webhook attempt reports its HTTP outcome; the delivery workflow does the HTTP retries itself.
 */
export const POLICIES = {
  businessStep: {
    startToCloseTimeout: '10 seconds',
    retry: {
      // waits 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, then 10 s: 42.6 s between the 10 attempts
      initialInterval: '200 milliseconds',
      backoffCoefficient: 2,
      maximumInterval: '10 seconds',
      maximumAttempts: 10,
      nonRetryableErrorTypes: BUSINESS_CODES,
    },
  },
  compensation: {
    startToCloseTimeout: '10 seconds',
    retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  },
  notification: {
    startToCloseTimeout: '30 seconds',
    // In milliseconds: the saga reckons the waits between a local notification's attempts from them.
    retry: {
      initialInterval: 1_000,
      backoffCoefficient: 2,
      maximumInterval: 60_000,
      maximumAttempts: 5,
    },
  },
  /** one webhook POST: the HTTP outcome is returned, never thrown; only a store failure is retried here */
  webhookAttempt: {
    startToCloseTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  },
  /**
   * A batch takes milliseconds; one on a projector that died is given to another after 3 s (it was 10,
   * and the payment waiting for its projection outlived the API's 10 s wait: the reliability suite's
   * `kill-one-replica` counted those 503s). A slow store makes it retry, which is harmless.
   */
  projection: {
    startToCloseTimeout: '3 seconds',
    retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' },
  },
} satisfies Record<string, ActivityOptions>;

export const isBusinessCode = (type: string | null | undefined): boolean =>
  type !== null && type !== undefined && BUSINESS_CODES.includes(type);
