import {
  condition,
  proxyActivities,
  type ActivityInterfaceFor,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { OrderEvent } from '../domain/events';
import type { createProjectionActivities } from '../projections/activities';

type ProjectionActivities = ReturnType<typeof createProjectionActivities>;

/**
 * The events an order recorded, on their way to the projector. The saga goes on while the projector
 * works; events go in batches, one at a time (which keeps them in seq order), and never while a local
 * step runs: what a run of local steps records (its retries included) goes together once none runs.
 * So a paid order takes two batches: everything up to the invoice email, then payment to receipt.
 */
export class ProjectionOutbox {
  private readonly waiting: OrderEvent[] = [];
  private projecting = false;
  private failure: Error | null = null;
  private localSteps = 0;
  /** seq of the last event the projector has applied */
  projectedUpTo = 0;
  private readonly activities: ActivityInterfaceFor<ProjectionActivities>;

  constructor(private readonly options: ActivityOptions) {
    this.activities = proxyActivities<ProjectionActivities>(options);
  }

  add(event: OrderEvent): void {
    this.waiting.push(event);
  }

  /**
   * Hands the waiting events over whenever the projector is free and no local step runs, for the rest
   * of the run. A condition is looked at only once the workflow has gone as far as it can in its turn
   * (its microtasks run), so a step that starts right after another ends still counts as running.
   */
  async pumpForever(): Promise<void> {
    for (;;) {
      await condition(() => !this.projecting && this.waiting.length > 0 && this.localSteps === 0);
      this.startBatch();
    }
  }

  /** Runs a local step; the events recorded meanwhile wait for it. */
  async aroundLocalStep<T>(step: () => Promise<T>): Promise<T> {
    this.localSteps++;
    try {
      return await step();
    } finally {
      this.localSteps--;
    }
  }

  /** Until the projector has applied every event up to `seq`. */
  async projected(seq: number): Promise<void> {
    await condition(() => this.projectedUpTo >= seq || this.failure !== null);
    if (this.failure !== null) throw this.failure;
  }

  private startBatch(): void {
    const batch = this.waiting.splice(0, this.waiting.length);
    const first = batch[0] as OrderEvent;
    const last = batch[batch.length - 1] as OrderEvent;
    // The summary names the batch in the Web UI's timeline of the run.
    const seqs = `#${first.seq}${batch.length > 1 ? `–${last.seq}` : ''}`;
    const summary = `${seqs} ${batch.map((e) => e.type).join(', ')}`;
    this.projecting = true;
    this.activities.projectEvents.executeWithOptions({ ...this.options, summary }, [batch]).then(
      () => {
        this.projecting = false;
        this.projectedUpTo = last.seq;
      },
      (err: unknown) => {
        // Projections retry without end: this is a bug, and the run fails with it.
        this.failure = err instanceof Error ? err : new Error(String(err));
      },
    );
  }
}
