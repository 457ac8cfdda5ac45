import { orderTracing } from '../order-traces';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { callerOf, OWNER, OWNER_OR_ADMIN } from '../auth/access';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { cancelOrderUpdate, getOrderQuery, payOrderUpdate, type OrderSnapshot } from '../../workflows/order';
import { decideCancel, decidePayment, NOTHING_PENDING, type Decision } from '../../domain/commands';
import { HttpProblem } from '../problem';
import { requireOwnOrder } from '../order-owner';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from '../deps';
import { ORDER_ENDED, queryOrder, sendOrderUpdate, type CommandOutcome } from '../workflow-commands';
import { CancelBody, CommandAccepted, OrderIdParams, OrderView, PaymentBody, Problem } from '../schemas';
import { viewOfSnapshot } from './views';

/**
 * Commands to a running order, each a Temporal Update: the workflow's validator decides (409/422 with
 * the reason), the answer carries the outcome (200), or 202 when it takes longer than the API waits.
 */
export function orderCommandRoutes(deps: AppDeps): FastifyPluginAsync {
  const timing = deps.commandTiming ?? DEFAULT_COMMAND_TIMING;
  const traces = orderTracing(deps);
  const response = { 200: OrderView, 202: CommandAccepted, '4xx': Problem, '5xx': Problem };

  function answer(
    reply: FastifyReply,
    orderId: string,
    accepted: string,
    out: CommandOutcome<OrderSnapshot>,
  ) {
    const self = `/orders/${encodeURIComponent(orderId)}`;
    if (out.done) return reply.status(200).send(viewOfSnapshot(out.value));
    return reply.status(202).header('location', self).send({ orderId, accepted, links: { self } });
  }

  /**
   * A command repeated after the order's run closed (a client retrying after a lost answer) gets the
   * same outcome as the first time, when the ended order already shows it; otherwise the 409 stands.
   */
  async function orRepeatOfEnded(
    id: string,
    send: () => Promise<CommandOutcome<OrderSnapshot>>,
    decide: (s: OrderSnapshot) => Decision,
  ): Promise<CommandOutcome<OrderSnapshot>> {
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof HttpProblem) || err.type !== ORDER_ENDED) throw err;
      const snapshot = await queryOrder(deps.temporal, timing, id, getOrderQuery);
      if (snapshot === null) throw err;
      const decision = decide(snapshot);
      if (decision.accepted && decision.duplicate) return { done: true, value: snapshot };
      throw err;
    }
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/orders/:id/payments',
      { config: { access: OWNER }, schema: { params: OrderIdParams, body: PaymentBody, response } },
      async (request, reply) => {
        const { id } = request.params;
        await requireOwnOrder(deps, callerOf(request), id, request.log);
        // The reference names the payment: while the run is open, Temporal answers a repeat with the
        // recorded outcome; after it closed, the ended order shows whether it was this payment.
        const out = await orRepeatOfEnded(
          id,
          () =>
            traces.within(id, 'PayOrder', () =>
              sendOrderUpdate(
                deps.temporal,
                timing,
                id,
                payOrderUpdate,
                [request.body],
                `payment:${request.body.reference}`,
              ),
            ),
          (s) => decidePayment(s, NOTHING_PENDING, request.body),
        );
        return answer(reply, id, 'payment', out);
      },
    );

    app.post(
      '/orders/:id/cancel',
      { config: { access: OWNER_OR_ADMIN }, schema: { params: OrderIdParams, body: CancelBody, response } },
      async (request, reply) => {
        const { id } = request.params;
        await requireOwnOrder(deps, callerOf(request), id, request.log);
        const out = await orRepeatOfEnded(
          id,
          () =>
            traces.within(id, 'CancelOrder', () =>
              sendOrderUpdate(deps.temporal, timing, id, cancelOrderUpdate, [request.body], 'cancel'),
            ),
          (s) => decideCancel(s, NOTHING_PENDING),
        );
        return answer(reply, id, 'cancellation', out);
      },
    );
  };
}
