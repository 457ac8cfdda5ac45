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

/** Asks the order's run itself (a strong read); bounded, so a missing worker answers 503, not a hang. */
export async function queryOrder<T>(
  client: Client,
  timing: CommandTiming,
  orderId: string,
  def: QueryDefinition<T>,
): Promise<T> {
  const handle = client.workflow.getHandle(orderWorkflowId(orderId));
  try {
    return await client.withDeadline(Date.now() + timing.acceptWithinMs, () => handle.query(def));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) {
      throw orderNotFound(orderId);
    }
    throw unavailable(err);
  }
}
