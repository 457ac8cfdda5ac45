import type { FastifyBaseLogger } from 'fastify';
import { getOrderQuery } from '../workflows/order';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from './app';
import { reaches } from './auth/access';
import type { Principal } from './auth/principal';
import { HttpProblem } from './problem';
import { readOrderDoc } from './read-order';
import { queryOrder } from './workflow-commands';

/** The answer for an order that is not there, and for another customer's: the same, revealing nothing. */
export const orderNotFound = (id: string) =>
  new HttpProblem(404, 'Order not found', `no order with id ${id}`);

/**
 * Refuses a command on an order the caller may not reach, before anything is sent: the customer an
 * order belongs to never changes, so the read model says it (the Redis hot copy, else MongoDB); an
 * order placed a moment ago and not yet projected is asked of its workflow. Staff are not checked.
 */
export async function requireOwnOrder(
  deps: AppDeps,
  caller: Principal,
  orderId: string,
  log: FastifyBaseLogger,
): Promise<void> {
  if (caller.role !== 'customer') return;
  const found = await readOrderDoc(deps, orderId, log);
  const owner =
    found?.doc.customer.id ??
    (await queryOrder(deps.temporal, deps.commandTiming ?? DEFAULT_COMMAND_TIMING, orderId, getOrderQuery))
      ?.customer.id;
  if (owner === undefined || !reaches(caller, owner)) throw orderNotFound(orderId);
}
