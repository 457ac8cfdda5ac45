import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { orderWorkflowId } from '../../domain/ids';
import { orderWorkflow } from '../../workflows';
import { toState } from '../../projections/orders/mongo';
import { readOrderAtLeast } from '../read-order';
import { freshnessOf } from '../freshness';
import { CUSTOMER_ID } from '../../workflows/search-attributes';
import { getOrderQuery } from '../../workflows/order';
import { orderSummary } from '../../domain/summary';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from '../app';
import { HttpProblem } from '../problem';
import { queryOrder } from '../workflow-commands';
import { viewOfSnapshot } from './views';
import {
  ConsistencyQuery,
  IdempotencyHeaders,
  OrderAccepted,
  OrderIdParams,
  OrderView,
  PlaceOrderBody,
  Problem,
} from '../schemas';

/** JSON with every object's keys sorted: the same request, whatever order its client wrote it in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What an order's run keeps of the request that placed it, to recognise its Idempotency-Key reused. */
const fingerprint = (body: unknown): string => createHash('sha256').update(canonical(body)).digest('hex');

export function orderRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/orders',
      {
        schema: {
          headers: IdempotencyHeaders,
          body: PlaceOrderBody,
          response: { 202: OrderAccepted, '4xx': Problem, '5xx': Problem },
        },
      },
      async (request, reply) => {
        const orderId = request.headers['idempotency-key'] ?? randomUUID();
        const { customer, items } = request.body;
        const { summary, details } = orderSummary(orderId, customer, items);
        const asked = fingerprint({ customer, items });
        const workflowId = orderWorkflowId(orderId);
        try {
          // An Idempotency-Key is one order for good: a request with a key already used starts nothing,
          // whether its order is still running (FAIL) or has ended (REJECT_DUPLICATE; Temporal keeps
          // an ended run for the namespace's retention). It gets the first request's answer when it
          // asked the same, a 422 when it did not.
          await deps.temporal.workflow.start(orderWorkflow, {
            taskQueue: deps.ordersTaskQueue,
            workflowId,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            args: [
              {
                orderId,
                customer,
                items,
                paymentTerms: deps.paymentTerms,
                projectionsTaskQueue: deps.projectionsTaskQueue,
              },
            ],
            memo: { request: asked },
            typedSearchAttributes: [{ key: CUSTOMER_ID, value: customer.id }],
            staticSummary: summary,
            staticDetails: details,
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
            request.log.error({ err, orderId }, 'could not start the order workflow');
            throw new HttpProblem(503, 'Service unavailable', 'the order could not be accepted, try again');
          }
          let first: unknown;
          try {
            first = (await deps.temporal.workflow.getHandle(workflowId).describe()).memo?.request;
          } catch (cause) {
            request.log.error({ err: cause, orderId }, 'could not read the order placed with this key');
            throw new HttpProblem(503, 'Service unavailable', 'the order could not be accepted, try again');
          }
          // A run placed before requests were kept has no fingerprint: taken as the same request.
          if (first !== undefined && first !== asked) {
            throw new HttpProblem(
              422,
              'Idempotency-Key reused',
              `the Idempotency-Key ${orderId} was used for a different order`,
              'about:blank',
              [{ field: 'headers.idempotency-key', message: 'already used with a different request body' }],
            );
          }
        }
        const self = `/orders/${encodeURIComponent(orderId)}`;
        return reply
          .status(202)
          .header('location', self)
          .send({ orderId, status: 'PLACED', links: { self } });
      },
    );

    const keep = new WeakMap<object, number>();
    app.get(
      '/orders/:id',
      {
        onSend: (request, reply, payload, done) => {
          const version = keep.get(request);
          if (version !== undefined && reply.statusCode === 200 && typeof payload === 'string') {
            deps.changes?.remember(request.params.id, version, payload);
          }
          done(null, payload);
        },
        schema: {
          params: OrderIdParams,
          querystring: ConsistencyQuery,
          response: { 200: OrderView, '4xx': Problem, '5xx': Problem },
        },
      },
      (request, reply) => {
        const { id } = request.params;
        const strong = request.query.consistency === 'strong';
        const minSeq = request.query.minSeq ?? 0;
        // Most reads: the kept string, this route's own serialized answer, sent as is (Fastify sends a
        // JSON string unchanged) without a promise on the way.
        const kept = strong ? null : deps.changes?.answer(id, minSeq);
        if (kept) {
          void reply.type('application/json; charset=utf-8').send(kept as unknown as OrderView);
          return;
        }
        return (async () => {
          if (strong) {
            const timing = deps.commandTiming ?? DEFAULT_COMMAND_TIMING;
            const snapshot = await queryOrder(deps.temporal, timing, id, getOrderQuery);
            if (snapshot === null) throw new HttpProblem(404, 'Order not found', `no order with id ${id}`);
            return viewOfSnapshot(snapshot);
          }
          const found = await readOrderAtLeast(deps, id, minSeq, request.log);
          if (found === null) throw new HttpProblem(404, 'Order not found', `no order with id ${id}`);
          // A Redis answer is kept, as sent, until the order's next version is announced.
          if (found.source === 'redis' && deps.changes) keep.set(request, found.doc.version);
          const { version: _v, ...state } = toState(found.doc);
          return { ...state, freshness: freshnessOf(found.doc, found.source) };
        })();
      },
    );
  };
}
