import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { noopSearchAttributes, type NoopShape, type NoopStep } from './noop-shape';

type NoopActivities = { noop(): Promise<void> };

const local = proxyLocalActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });
const own = proxyActivities<NoopActivities>({ startToCloseTimeout: '10 seconds' });

/** The no-op saga's stand-in for the payment: accepted once the run waits for it. */
export const noopPayUpdate = defineUpdate<void, [string]>('noopPay');

/**
 * The Temporal limit of this machine for the benchmark: a workflow that does nothing but what an
 * order's run does in Temporal (`shape`, read from a real order's history): the same local and
 * ordinary activities (ordinary ones on the same two task queues, running alongside), the same
 * search-attribute writes, a wait for an Update with the same deadline timer, and the Update's answer
 * after the run's last activity.
 */
export async function noopSaga(shape: NoopShape, elsewhereQueue: string): Promise<void> {
  const run = new NoopRun(elsewhereQueue);
  run.listen();
  await run.run(shape);
}

class NoopRun {
  private readonly elsewhere: NoopActivities;
  private readonly running: Promise<void>[] = [];
  private deadline: Promise<boolean> | null = null;
  private paid = false;
  private finished = false;

  constructor(elsewhereQueue: string) {
    this.elsewhere = proxyActivities<NoopActivities>({
      startToCloseTimeout: '10 seconds',
      taskQueue: elsewhereQueue,
    });
  }

  listen(): void {
    setHandler(
      noopPayUpdate,
      async () => {
        this.paid = true;
        await condition(() => this.finished);
      },
      {
        validator: (reference) => {
          if (this.paid) throw new Error('already paid');
          if (typeof reference !== 'string' || reference === '') throw new Error('a reference is required');
        },
      },
    );
  }

  async run(shape: NoopShape): Promise<void> {
    for (const step of shape.beforeUpdate) await this.take(step);
    const inTime = await (this.deadline ?? condition(() => this.paid).then(() => true));
    if (!inTime) throw ApplicationFailure.nonRetryable('the no-op saga was not paid within a day');
    for (const step of shape.afterUpdate) await this.take(step);
    await Promise.all(this.running);
    this.finished = true;
    await condition(allHandlersFinished);
  }

  private async take(step: NoopStep): Promise<void> {
    if (step.kind === 'upsert') upsertSearchAttributes(noopSearchAttributes(step.keys));
    else if (step.kind === 'local') await local.noop();
    else if (step.kind === 'activity') {
      this.running.push(step.queue === 'own' ? own.noop() : this.elsewhere.noop());
    } else this.deadline = condition(() => this.paid, '1 day');
  }
}
