import { temporalConnectionOptions } from '../worker/clients';
import type { ChildProcess } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import type { Client } from '@temporalio/client';
import { Context } from '@temporalio/activity';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Config } from '../config';
import { orderWorkflowId } from '../domain/ids';
import { dataConverterFor } from '../infra/payload-codec';
import { benchProcess } from './load';
import { describeShape, noopSearchAttributes, orderShape, type NoopShape } from './noop-shape';
import { noopPayUpdate, noopSaga } from './noop-workflow';

/** The shape (`orderShape`) of the run of the workflow id given. */
async function shapeOfRun(client: Client, workflowId: string): Promise<NoopShape> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return orderShape(history.events ?? []);
}

/** The shape of an order's run, read from its history. */
export const shapeOfOrder = (client: Client, orderId: string): Promise<NoopShape> =>
  shapeOfRun(client, orderWorkflowId(orderId));

/** Per run, how many of its activities on the other task queue have run, and who waits for more. */
class ActivitiesRun {
  private readonly runs = new Map<string, { done: number; waiting: (() => void)[] }>();

  /** Called by the activity: one more has run for the workflow it belongs to. */
  ran(): void {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (workflowId === undefined) return;
    const entry = this.entry(workflowId);
    entry.done++;
    for (const wake of entry.waiting.splice(0)) wake();
  }

  async atLeast(workflowId: string, count: number): Promise<void> {
    const entry = this.entry(workflowId);
    while (entry.done < count) await new Promise<void>((resolve) => entry.waiting.push(resolve));
  }

  forget(workflowId: string): void {
    this.runs.delete(workflowId);
  }

  private entry(workflowId: string) {
    let entry = this.runs.get(workflowId);
    if (!entry) this.runs.set(workflowId, (entry = { done: 0, waiting: [] }));
    return entry;
  }
}

/**
 * The benchmark's Temporal limit, the no-op saga in an order's shape, ready to run: its workflow
 * worker in a process of its own (the saga worker's place), and its activities on the other task queue
 * in this process, where the client learns of them (the projector's place: a customer pays once the
 * read model shows the order awaiting payment; here the client pays once those activities have run).
 */
export class NoopLimit {
  private constructor(
    private readonly client: Client,
    private readonly shape: NoopShape,
    private readonly queue: string,
    private readonly workflows: ChildProcess,
    private readonly connection: NativeConnection,
    private readonly elsewhere: Worker,
    private readonly elsewhereRunning: Promise<void>,
    private readonly elsewhereRan: ActivitiesRun,
  ) {}

  static async start(opts: {
    client: Client;
    config: Config;
    /** the stack's environment, for the worker process */
    env: NodeJS.ProcessEnv;
    shape: NoopShape;
    /** the task queue of its workflows; its other activities take `<queue>-elsewhere` */
    queue: string;
    logFile: string;
  }): Promise<NoopLimit> {
    const workflows = benchProcess(
      'noop-worker.js',
      { ...opts.env, NOOP_TASK_QUEUE: opts.queue },
      opts.logFile,
    );
    const connection = await NativeConnection.connect(temporalConnectionOptions(opts.config));
    const elsewhereRan = new ActivitiesRun();
    const elsewhere = await Worker.create({
      connection,
      namespace: opts.config.temporalNamespace,
      taskQueue: `${opts.queue}-elsewhere`,
      dataConverter: dataConverterFor(opts.config.payloadKeys),
      activities: {
        noop: async () => elsewhereRan.ran(),
      },
    });
    const running = elsewhere.run();
    return new NoopLimit(
      opts.client,
      opts.shape,
      opts.queue,
      workflows,
      connection,
      elsewhere,
      running,
      elsewhereRan,
    );
  }

  get pid(): number | null {
    return this.workflows.pid ?? null;
  }

  describe(): string {
    return describeShape(this.shape);
  }

  /** Fails unless the no-op run given took the order's shape: what it repeats is what it measures. */
  async checkShapeOf(workflowId: string): Promise<void> {
    const taken = await shapeOfRun(this.client, workflowId);
    if (!isDeepStrictEqual(taken, this.shape)) {
      throw new Error(
        `the no-op saga took the shape ${describeShape(taken)}, not the order's ${this.describe()}`,
      );
    }
  }

  /** One no-op saga: started, paid once it awaits payment, and waited for. */
  async run(workflowId: string): Promise<void> {
    const handle = await this.client.workflow.start(noopSaga, {
      taskQueue: this.queue,
      workflowId,
      args: [this.shape, `${this.queue}-elsewhere`],
      typedSearchAttributes: noopSearchAttributes(this.shape.startedWith),
    });
    await this.elsewhereRan.atLeast(workflowId, this.shape.elsewhereBeforeUpdate);
    await handle.executeUpdate(noopPayUpdate, { args: [`pay-${workflowId}`], updateId: `pay-${workflowId}` });
    await handle.result();
    this.elsewhereRan.forget(workflowId);
  }

  async stop(): Promise<void> {
    this.workflows.kill('SIGTERM');
    this.elsewhere.shutdown();
    await this.elsewhereRunning;
    await this.connection.close();
  }
}
