import type { FastifyBaseLogger } from 'fastify';
import { getOrderQuery } from '../workflows/order';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from './deps';
import { reaches } from './auth/access';
import type { Principal } from './auth/principal';
import { readOrderDoc } from './read-order';
import { orderNotFound, queryOrder } from './workflow-commands';

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
