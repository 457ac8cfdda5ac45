import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import { isBusinessCode, POLICIES } from './policies';
import type { createSagaActivities } from '../activities';

/** The order saga's activities, as the workflow calls them. */
export type SagaActivities = ReturnType<typeof createSagaActivities>;

/**
 * Reserve and invoice: local activities (run by the saga's own worker inside its workflow task, with
 * no activity task to dispatch and record). A wait of a second or more between attempts is a durable
 * timer in the history, not a sleep in the worker: it survives a worker restart (and a time-skipping
 * test skips it).
 */
export const businessSteps = proxyLocalActivities<SagaActivities>({
  ...POLICIES.businessStep,
  localRetryThreshold: '1 second',
});

/** Release and void: ordinary activities that retry until they succeed. */
export const compensationSteps = proxyActivities<SagaActivities>(POLICIES.compensation);

/**
 * Emails and SMS: local activities (handing a message to the SMTP server or the SMS gateway takes
 * milliseconds; as ordinary activities they were a third of the server's work per order), one attempt
 * each: the notifier retries them itself, so that what was recorded meanwhile goes to the projector
 * before it waits between attempts.
 */
export const ONE_NOTIFICATION_ATTEMPT = {
  ...POLICIES.notification,
  retry: { ...POLICIES.notification.retry, maximumAttempts: 1 },
};
export const notificationSteps = proxyLocalActivities<SagaActivities>(ONE_NOTIFICATION_ATTEMPT);

/** The message of a step's failure, without the activity wrapper. */
export function describeFailure(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The business refusal (unknown SKU, too little stock) a step failed with, or null for a technical
 * failure. An ordinary activity's failure wraps its cause in an ActivityFailure; a local activity's
 * non-retryable failure reaches the workflow as the ApplicationFailure itself.
 */
export function businessRefusal(err: unknown): ApplicationFailure | null {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && isBusinessCode(cause.type) ? cause : null;
}

/** A step refused for good (say, a number the SMS gateway rejects): retrying cannot help. */
export function refusedForGood(err: unknown): boolean {
  if (err instanceof ActivityFailure) return err.retryState === 'NON_RETRYABLE_FAILURE';
  return err instanceof ApplicationFailure && err.nonRetryable === true;
}
