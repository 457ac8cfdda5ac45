import {
  log,
  proxyActivities,
  sleep,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Channel, Customer } from '../domain/events';
import type { OrderState } from '../domain/order';
import type { NotificationKind } from '../domain/notifications';
import type { createProjectionActivities } from '../projections/activities';
import { POLICIES } from './policies';
import { describeFailure, notificationSteps, ONE_NOTIFICATION_ATTEMPT, refusedForGood } from './order-steps';
import type { OrderLog } from './order-log';
import type { ProjectionOutbox } from './projection-outbox';

type MessageSent = { messageId: string };

/** A notification that failed its last attempt: the cause, and how many attempts were made. */
class GaveUp extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number,
  ) {
    super(describeFailure(last));
  }
}

/**
 * Tells the customer by email and, with a phone number, by SMS (both at once). Each channel retries
 * on its own; one that gives up becomes a dead letter for an operator to redrive. A notification never
 * fails the order.
 */
export class OrderNotifier {
  private readonly deadLetters: ActivityInterfaceFor<ReturnType<typeof createProjectionActivities>>;

  constructor(
    private readonly customer: Customer,
    private readonly log: OrderLog,
    private readonly outbox: ProjectionOutbox,
    private readonly projection: ActivityOptions,
  ) {
    this.deadLetters = proxyActivities<ReturnType<typeof createProjectionActivities>>(projection);
  }

  async notify(kind: NotificationKind, order: OrderState): Promise<void> {
    const channels: Channel[] = this.customer.phone ? ['email', 'sms'] : ['email'];
    const outcomes = await Promise.allSettled(channels.map((channel) => this.send(channel, kind, order)));
    for (const [i, channel] of channels.entries()) {
      const outcome = outcomes[i] as PromiseSettledResult<MessageSent>;
      if (outcome.status === 'fulfilled') this.recordSent(channel, kind, order, outcome.value);
      else await this.recordDeadLetter(channel, kind, order, outcome.reason as GaveUp);
    }
  }

  private recipient(channel: Channel): string {
    return channel === 'email' ? this.customer.email : (this.customer.phone ?? '');
  }

  /**
   * One channel with the notification policy's retries: each attempt is one local activity; between
   * attempts (durable timers) no local step runs, so what was recorded so far goes to the projector
   * rather than waiting for the message.
   */
  private async send(channel: Channel, kind: NotificationKind, order: OrderState): Promise<MessageSent> {
    const step = channel === 'email' ? notificationSteps.sendOrderEmail : notificationSteps.sendOrderSms;
    const options = { ...ONE_NOTIFICATION_ATTEMPT, summary: `${channel} ${kind}` };
    const { initialInterval, backoffCoefficient, maximumInterval, maximumAttempts } =
      POLICIES.notification.retry;
    let wait = initialInterval;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.outbox.aroundLocalStep(() => step.executeWithOptions(options, [{ kind, order }]));
      } catch (err) {
        if (refusedForGood(err) || attempt >= maximumAttempts) throw new GaveUp(err, attempt);
      }
      await sleep(wait);
      wait = Math.min(wait * backoffCoefficient, maximumInterval);
    }
  }

  private recordSent(channel: Channel, kind: NotificationKind, order: OrderState, sent: MessageSent): void {
    const to = this.recipient(channel);
    const { messageId } = sent;
    if (kind === 'payment-reminder') {
      this.log.record('PaymentReminderSent', { channel, to, messageId, dueAt: order.invoice?.dueAt ?? '' });
    } else {
      this.log.record('NotificationSent', { channel, kind, to, messageId });
    }
  }

  private async recordDeadLetter(
    channel: Channel,
    kind: NotificationKind,
    order: OrderState,
    gaveUp: GaveUp,
  ): Promise<void> {
    const error = describeFailure(gaveUp.last);
    log.warn('notification failed', { orderId: order.orderId, kind, channel, error });
    await this.deadLetters.recordNotificationFailure.executeWithOptions(
      { ...this.projection, summary: `dead letter: ${channel} ${kind}` },
      [
        {
          kind,
          channel,
          to: this.recipient(channel),
          order,
          attempts: gaveUp.attempts,
          // A refusal for good (say, a number the gateway rejects) stopped at that attempt.
          refused: refusedForGood(gaveUp.last),
          error,
          at: new Date().toISOString(),
        },
      ],
    );
  }
}
