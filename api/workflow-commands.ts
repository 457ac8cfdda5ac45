import {
  ApplicationFailure,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import { ErrorCode } from '../domain/errors';
import { orderWorkflowId } from '../domain/ids';
import { HttpProblem } from './problem';

/** Domain refusals to HTTP statuses, in one place. */
const STATUS_OF_CODE: Record<string, number> = {
  [ErrorCode.PaymentMismatch]: 422,
  [ErrorCode.NotAwaitingPayment]: 409,
  [ErrorCode.AlreadyPaid]: 409,
  [ErrorCode.OrderClosed]: 409,
};

/** The problem type of a command sent to an order whose run has closed. */
export const ORDER_ENDED = 'urn:problem:order_ended';

const TITLE_OF_STATUS: Record<number, string> = { 409: 'Conflict', 422: 'Unprocessable content' };

export interface CommandTiming {
  /** how long to wait for Temporal to accept (or refuse) a command */
  acceptWithinMs: number;
  /** how long to wait for the outcome before answering 202 */
  answerWithinMs: number;
}

export type CommandOutcome<T> = { done: true; value: T } | { done: false };

/** Why a command could not reach the order's run: it does not exist (404) or it has ended (409). */
async function notRunning(handle: WorkflowHandle, orderId: string, err: unknown): Promise<HttpProblem> {
  try {
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') {
      return new HttpProblem({
        status: 409,
        title: 'Conflict',
        detail: `order ${orderId} has ended; it takes no more commands`,
        type: ORDER_ENDED,
      });
    }
  } catch (describeErr) {
    if (describeErr instanceof WorkflowNotFoundError) {
      return orderNotFound(orderId);
    }
  }
  return unavailable(err);
}

/** The answer for an order that is not there, and for another customer's: the same, revealing nothing. */
export const orderNotFound = (id: string) =>
  new HttpProblem({ status: 404, title: 'Order not found', detail: `no order with id ${id}` });

function unavailable(err: unknown): HttpProblem {
  return new HttpProblem({
    status: 503,
    title: 'Service unavailable',
    detail: 'the order service is not answering, try again',
    cause: err,
  });
}

function refusal(err: WorkflowUpdateFailedError): HttpProblem {
  const cause = err.cause;
  const status = cause instanceof ApplicationFailure ? STATUS_OF_CODE[cause.type ?? ''] : undefined;
  if (!(cause instanceof ApplicationFailure) || status === undefined) return unavailable(err);
  const [details] = cause.details as [{ field?: string | null } | undefined];
  const field = details?.field ? `body.${details.field}` : undefined;
  return new HttpProblem({
    status,
    title: TITLE_OF_STATUS[status] ?? 'Refused',
    detail: cause.message,
    type: `urn:problem:${(cause.type ?? '').toLowerCase()}`,
    errors: field ? [{ field, message: cause.message }] : undefined,
  });
}

/**
 * Sends a Temporal Update to an order and waits, bounded, for its outcome. A validator refusal becomes
 * 409/422 problem+json; a missing or ended order 404/409; no answer in time 503 (not accepted) or
 * `{ done: false }` (accepted, still running: the caller answers 202).
 */
export async function sendOrderUpdate<Ret, Args extends [unknown, ...unknown[]]>(
  client: Client,
  timing: CommandTiming,
  orderId: string,
  def: UpdateDefinition<Ret, Args>,
  args: Args,
  updateId: string,
): Promise<CommandOutcome<Ret>> {
  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  let update;
  try {
    update = await client.withDeadline(Date.now() + timing.acceptWithinMs, () =>
      handle.startUpdate(def, { args, updateId, waitForStage: 'ACCEPTED' }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw refusal(err);
    throw await notRunning(handle, orderId, err);
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CommandOutcome<Ret>>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), timing.answerWithinMs);
  });
  try {
    return await Promise.race([update.result().then((value) => ({ done: true as const, value })), late]);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw refusal(err);
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Query answers of closed runs, by run id, the most recent `max` (1,000): a closed run's state cannot
 * change (an operator's reset makes a new run, with its own id), while querying it makes a worker
 * fetch and replay its whole history each time.
 */
export class ClosedRunAnswers<T> {
  private readonly byRun = new Map<string, T>();
  constructor(private readonly max = 1_000) {}

  get(runId: string): T | undefined {
    return this.byRun.get(runId);
  }

  set(runId: string, answer: T): void {
    this.byRun.set(runId, answer);
    if (this.byRun.size > this.max) this.byRun.delete(this.byRun.keys().next().value as string);
  }
}

/**
 * Asks the order's run itself (a strong read); bounded, so a missing worker answers 503, not a hang.
 * With `closed`, the latest run is described first, and one that has closed is asked once.
 */
export async function queryOrder<T>(
  client: Client,
  timing: CommandTiming,
  orderId: string,
  def: QueryDefinition<T>,
  closed?: ClosedRunAnswers<T>,
): Promise<T> {
  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  const ask = async (): Promise<T> => {
    if (!closed) return handle.query(def);
    const { runId, status } = await handle.describe();
    if (status.name === 'RUNNING') return handle.query(def);
    const kept = closed.get(runId);
    if (kept !== undefined) return kept;
    const answer = await client.workflow.getHandle(handle.workflowId, runId).query(def);
    closed.set(runId, answer);
    return answer;
  };
  try {
    return await client.withDeadline(Date.now() + timing.acceptWithinMs, ask);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw orderNotFound(orderId);
    }
    throw unavailable(err);
  }
}
