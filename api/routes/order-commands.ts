import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { cancelOrderUpdate, payOrderUpdate, type OrderSnapshot } from '../../workflows/order';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from '../app';
import { sendOrderUpdate, type CommandOutcome } from '../workflow-commands';
import { CancelBody, CommandAccepted, OrderIdParams, OrderView, PaymentBody, Problem } from '../schemas';
import { viewOfSnapshot } from './views';

/**
 * Commands to a running order, each a Temporal Update: the workflow's validator decides (409/422 with
 * the reason), the answer carries the outcome (200), or 202 when it takes longer than the API waits.
 */
export function orderCommandRoutes(deps: AppDeps): FastifyPluginAsync {
  const timing = deps.commandTiming ?? DEFAULT_COMMAND_TIMING;
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

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/orders/:id/payments',
      { schema: { params: OrderIdParams, body: PaymentBody, response } },
      async (request, reply) => {
        const { id } = request.params;
        // The reference names the payment: Temporal answers a repeat with the first outcome.
        const out = await sendOrderUpdate(
          deps.temporal,
          timing,
          id,
          payOrderUpdate,
          [request.body],
          `payment:${request.body.reference}`,
        );
        return answer(reply, id, 'payment', out);
      },
    );

    app.post(
      '/orders/:id/cancel',
      { schema: { params: OrderIdParams, body: CancelBody, response } },
      async (request, reply) => {
        const { id } = request.params;
        const out = await sendOrderUpdate(
          deps.temporal,
          timing,
          id,
          cancelOrderUpdate,
          [request.body],
          'cancel',
        );
        return answer(reply, id, 'cancellation', out);
      },
    );
  };
}
