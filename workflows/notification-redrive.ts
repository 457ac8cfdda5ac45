import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { createSagaActivities } from '../activities';
import type { NotificationKind } from '../domain/notifications';
import type { createProjectionActivities } from '../projections/activities';
import type { DeadLetter } from '../projections/dead-letters/view';
import type { Channel } from '../domain/events';
import type { OrderState } from '../domain/order';
import { POLICIES } from './policies';

export interface NotificationRedriveInput {
  /** the dead letter as the read model has it (without its projection time), with what to resend */
  letter: Omit<DeadLetter, 'projectedAt' | 'notification'> & {
    notification: { kind: NotificationKind; channel: Channel; order: OrderState };
  };
  projectionsTaskQueue: string;
}

type Saga = ReturnType<typeof createSagaActivities>;
const { sendOrderEmail, sendOrderSms } = proxyActivities<Saga>(POLICIES.notification);

/**
 * An operator's second try of a notification the saga gave up on: sent again with the same stable
 * Message-ID (a receiver that did get the first recognises it), under the same retry policy. The dead
 * letter shows `redriving`, then `redriven` (and the notification joins the read model) or `open` again
 * with the new error.
 */
export async function notificationRedriveWorkflow(
  input: NotificationRedriveInput,
): Promise<DeadLetter['status']> {
  const { kind, channel, order } = input.letter.notification;
  const { projectDeadLetter, projectNotification } = proxyActivities<
    ReturnType<typeof createProjectionActivities>
  >({
    ...POLICIES.projection,
    taskQueue: input.projectionsTaskQueue,
  });
  type Letter = NotificationRedriveInput['letter'];
  let letter: Letter = {
    ...input.letter,
    status: 'redriving',
    redrives: input.letter.redrives + 1,
    version: input.letter.version + 1,
  };
  await projectDeadLetter(letter);
  const send = channel === 'email' ? sendOrderEmail : sendOrderSms;
  const next = (change: Partial<Letter>): Letter => ({
    ...letter,
    ...change,
    lastAttemptAt: new Date().toISOString(),
    version: letter.version + 1,
  });
  try {
    const { messageId } = await send.executeWithOptions(
      { ...POLICIES.notification, summary: `redrive ${channel} ${kind}` },
      [{ kind, order }],
    );
    letter = next({ status: 'redriven', attempts: letter.attempts + 1 });
    await projectNotification({
      _id: messageId,
      orderId: order.orderId,
      customerId: order.customer.id,
      kind,
      channel,
      to: letter.target,
      sentAt: letter.lastAttemptAt ?? '',
    });
  } catch (err) {
    const refused = err instanceof ActivityFailure && err.retryState === 'NON_RETRYABLE_FAILURE';
    const tries = refused ? 1 : POLICIES.notification.retry.maximumAttempts;
    const error = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
    letter = next({ status: 'open', attempts: letter.attempts + tries, lastError: error });
  }
  await projectDeadLetter(letter);
  return letter.status;
}
