import { createHash, randomUUID } from 'node:crypto';
import { OWNER, OWNER_OR_STAFF } from '../auth/access';
import type { FastifyBaseLogger, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/client';
import { orderWorkflowId } from '../../domain/ids';
import { orderWorkflow } from '../../workflows';
import { ordersCollection, toState } from '../../projections/orders/view';
import { readOrderAtLeast } from '../read-order';
import { freshnessOf } from '../freshness';
import { CUSTOMER_ID } from '../../workflows/search-attributes';
import { getOrderQuery } from '../../workflows/order';
import { orderSummary } from '../../domain/summary';
import { DEFAULT_COMMAND_TIMING, type AppDeps } from '../deps';
import { HttpProblem } from '../problem';
import { callerOf, reaches } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Customer } from '../../domain/events';
import { OrderKeys, type OrderKeyDoc } from '../order-keys';
import { ClosedRunAnswers, orderNotFound, queryOrder } from '../workflow-commands';
import type { OrderSnapshot } from '../../workflows/order-commands';
import { viewOfSnapshot } from './views';
import { orderTracing } from '../order-traces';
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

/** What an Idempotency-Key keeps of the request that placed its order, to recognise the key reused. */
const fingerprint = (body: unknown): string => createHash('sha256').update(canonical(body)).digest('hex');

/** The order placed with this key before, or the claim of it for this new one; 503 when MongoDB fails. */
async function claimKey(
  keys: OrderKeys,
  caller: string,
  key: string,
  fresh: { orderId: string; request: string },
  log: FastifyBaseLogger,
): Promise<{ doc: OrderKeyDoc; repeat: boolean }> {
  try {
    return await keys.claim(caller, key, fresh);
  } catch (err) {
    log.error({ err }, 'could not record the Idempotency-Key');
    throw new HttpProblem({
      status: 503,
      title: 'Service unavailable',
      detail: 'the order could not be accepted, try again',
    });
  }
}

/**
 * Whether the key's order was started before: the read models know it. (The run projects its first
 * events before it can close, so an order whose run retention has deleted is always known there; a
 * claim whose start failed is not, and the repeat starts it.)
 */
async function startedBefore(deps: AppDeps, claim: OrderKeyDoc, log: FastifyBaseLogger): Promise<boolean> {
  try {
    return (await ordersCollection(deps.db).countDocuments({ _id: claim.orderId }, { limit: 1 })) > 0;
  } catch (err) {
    log.error({ err }, 'could not read whether the order exists');
    throw new HttpProblem({
      status: 503,
      title: 'Service unavailable',
      detail: 'the order could not be accepted, try again',
    });
  }
}

const keyReused = (key: string) =>
  new HttpProblem({
    status: 422,
    title: 'Idempotency-Key reused',
    detail: `the Idempotency-Key ${key} was used for a different order`,
    errors: [{ field: 'headers.idempotency-key', message: 'already used with a different request body' }],
  });

/**
 * Starts the order's run. One run per order id, ever: a start for an id whose run goes on (FAIL) or
 * has ended (REJECT_DUPLICATE) starts nothing and is taken as done, since only a repeat of the same
 * claimed key can ask for the same id.
 */
async function startOrder(
  deps: AppDeps,
  order: { orderId: string; customer: Customer; items: PlaceOrderBody['items'] },
  log: FastifyBaseLogger,
): Promise<void> {
  const { orderId, customer, items } = order;
  const { summary, details } = orderSummary(orderId, customer, items);
  try {
    await deps.temporal.workflow.start(orderWorkflow, {
      taskQueue: deps.ordersTaskQueue,
      workflowId: orderWorkflowId(orderId),
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      // A task started on a saga worker that then died is given to another after this (default 10 s,
      // as long as the API waits for a payment's Update); local steps past it heartbeat the task.
      workflowTaskTimeout: '4s',
      args: [
        {
          orderId,
          customer,
          items,
          paymentTerms: deps.paymentTerms,
          projectionsTaskQueue: deps.projectionsTaskQueue,
        },
      ],
      typedSearchAttributes: [{ key: CUSTOMER_ID, value: customer.id }],
      staticSummary: summary,
      staticDetails: details,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    log.error({ err, orderId }, 'could not start the order workflow');
    throw new HttpProblem({
      status: 503,
      title: 'Service unavailable',
      detail: 'the order could not be accepted, try again',
    });
  }
}

/**
 * The customer an order is for: the caller itself, with the contact its identity provider vouches
 * for. Notices go there and nowhere else a request could name.
 */
function customerOf(caller: Principal): Customer {
  if (caller.email === undefined) {
    throw new HttpProblem({
      status: 403,
      title: 'Forbidden',
      detail: "the token carries no verified email to send the order's notices to",
      errors: [{ field: 'headers.authorization', message: 'no verified email claim' }],
    });
  }
  return { id: caller.sub, email: caller.email, ...(caller.phone !== undefined && { phone: caller.phone }) };
}

function accepted(reply: FastifyReply, orderId: string) {
  const self = `/orders/${encodeURIComponent(orderId)}`;
  return reply
    .status(202)
    .header('location', self)
    .send({ orderId, status: 'PLACED' as const, links: { self } });
}

export function orderRoutes(deps: AppDeps): FastifyPluginAsync {
  // A closed order read strongly is asked of its run once, not replayed on every request.
  const closedRuns = new ClosedRunAnswers<OrderSnapshot>();

  /** The order as its workflow answers the `getOrder` query, when `caller` may see it. */
  async function readFromWorkflow(id: string, caller: Principal) {
    const timing = deps.commandTiming ?? DEFAULT_COMMAND_TIMING;
    const snapshot = await queryOrder(deps.temporal, timing, id, getOrderQuery, closedRuns);
    if (snapshot === null || !reaches(caller, snapshot.customer.id)) throw orderNotFound(id);
    return viewOfSnapshot(snapshot);
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const keys = new OrderKeys(deps.db);
    const traces = orderTracing(deps);

    app.post(
      '/orders',
      {
        config: { access: OWNER },
        schema: {
          headers: IdempotencyHeaders,
          body: PlaceOrderBody,
          response: { 202: OrderAccepted, '4xx': Problem, '5xx': Problem },
        },
      },
      async (request, reply) => {
        const key = request.headers['idempotency-key'];
        const { items } = request.body;
        const customer = customerOf(callerOf(request));
        // The key is the customer's own (another's same key is another order); the request it names
        // is its items: the contact may change between a request and its retry.
        const asked = fingerprint({ items });
        const caller = customer.id;
        let orderId: string = randomUUID();
        if (key !== undefined) {
          const { doc: claim, repeat } = await claimKey(
            keys,
            caller,
            key,
            { orderId, request: asked },
            request.log,
          );
          if (claim.request !== asked) throw keyReused(key);
          orderId = claim.orderId;
          // Its run started: the same answer as the first time, whether or not Temporal still keeps it.
          if (repeat && (await startedBefore(deps, claim, request.log))) return accepted(reply, orderId);
        }
        await startOrder(deps, { orderId, customer, items }, request.log);
        await traces.remember(orderId, request.log);
        return accepted(reply, orderId);
      },
    );

    const keep = new WeakMap<object, { version: number; owner: string }>();
    app.get(
      '/orders/:id',
      {
        config: { access: OWNER_OR_STAFF },
        onSend: (request, reply, payload, done) => {
          const kept = keep.get(request);
          if (kept !== undefined && reply.statusCode === 200 && typeof payload === 'string') {
            deps.changes?.remember(request.params.id, kept.version, payload, kept.owner);
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
        const caller = callerOf(request);
        const strong = request.query.consistency === 'strong';
        const minSeq = request.query.minSeq ?? 0;
        // Most reads: the kept string, this route's own serialized answer, sent as is (Fastify sends a
        // JSON string unchanged) without a promise on the way.
        const kept = strong ? null : deps.changes?.answer(id, minSeq);
        if (kept) {
          if (!reaches(caller, kept.owner)) throw orderNotFound(id);
          void reply.type('application/json; charset=utf-8').send(kept.body as unknown as OrderView);
          return;
        }
        return (async () => {
          if (strong) return readFromWorkflow(id, caller);
          const found = await readOrderAtLeast(deps, id, minSeq, request.log);
          // A client with `minSeq` has seen the order (it placed it): when the read model does not hold
          // it yet (the projector lags more than the wait), the workflow answers, not a 404.
          if (found === null && minSeq > 0) return readFromWorkflow(id, caller);
          if (found === null || !reaches(caller, found.doc.customer.id)) throw orderNotFound(id);
          // A Redis answer is kept, as sent, until the order's next version is announced.
          if (found.source === 'redis' && deps.changes) {
            keep.set(request, { version: found.doc.version, owner: found.doc.customer.id });
          }
          const { version: _v, ...state } = toState(found.doc);
          return { ...state, freshness: freshnessOf(found.doc, found.source) };
        })();
      },
    );
  };
}
