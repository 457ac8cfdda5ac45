import type { FastifyPluginAsync } from 'fastify';
import { callerOf, OWNER_OR_STAFF, reaches } from '../auth/access';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { OrderDoc } from '../../projections/orders/view';
import {
  BadCursor,
  decodeCursor,
  encodeCursor,
  listOrders,
  type Cursor,
} from '../../projections/orders/queries';
import type { AppDeps } from '../deps';
import { HttpProblem } from '../problem';
import { orderNotFound } from '../workflow-commands';
import type { Principal } from '../auth/principal';
import { instantOf } from '../../domain/instant';
import { OrderEvents, OrderListQuery, OrderPage } from '../query-schemas';
import { readOrderDoc } from '../read-order';
import { freshnessOf } from '../freshness';
import { OrderIdParams, Problem } from '../schemas';

/** The list entry of an order: enough to show a row, with how fresh it is. */
export const summaryOf = (doc: Omit<OrderDoc, 'timeline'>, source: 'redis' | 'mongodb' = 'mongodb') => ({
  orderId: doc._id,
  status: doc.status,
  customer: doc.customer,
  total: doc.total,
  currency: doc.currency,
  placedAt: doc.placedAt,
  updatedAt: doc.updatedAt,
  freshness: freshnessOf(doc, source),
});

/** The answer for a customer with no orders here, and for another customer: the same. */
export const customerNotFound = (id: string) =>
  new HttpProblem({ status: 404, title: 'Customer not found', detail: `no orders for customer ${id}` });

/** `?cursor=` as sent back by a previous page; anything else is the client's error. */
export function cursorOf(raw: string | undefined): Cursor | undefined {
  if (raw === undefined) return undefined;
  try {
    return decodeCursor(raw);
  } catch (err) {
    if (!(err instanceof BadCursor)) throw err;
    throw new HttpProblem({
      status: 400,
      title: 'Invalid request',
      detail: err.message,
      errors: [{ field: 'querystring.cursor', message: err.message }],
    });
  }
}

/** `?from=` and `?to=` as instants; the schema has checked the form, this names a bound none can be. */
function instant(field: 'from' | 'to', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const found = instantOf(value);
  if (found === null) {
    const message = 'must be an RFC 3339 date-time between years 1 and 9999';
    throw new HttpProblem({
      status: 400,
      title: 'Invalid request',
      detail: message,
      errors: [{ field: `querystring.${field}`, message }],
    });
  }
  return found;
}

/**
 * Whose orders a list shows: a customer's own (asking for another's is a 404, like its orders);
 * staff any customer's or everyone's.
 */
function listedCustomer(caller: Principal, asked: string | undefined): string | undefined {
  if (caller.role !== 'customer') return asked;
  if (asked !== undefined && asked !== caller.sub) throw customerNotFound(asked);
  return caller.sub;
}

/** Reads of orders, all from the read models. */
export function orderQueryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/orders',
      {
        config: { access: OWNER_OR_STAFF },
        schema: { querystring: OrderListQuery, response: { 200: OrderPage, '4xx': Problem, '5xx': Problem } },
      },
      async (request) => {
        const { status, from, to, limit = 20, cursor } = request.query;
        const customerId = listedCustomer(callerOf(request), request.query.customerId);
        const page = await listOrders(
          deps.db,
          { customerId, status, from: instant('from', from), to: instant('to', to) },
          { limit, after: cursorOf(cursor) },
        );
        return {
          items: page.items.map((doc) => summaryOf(doc)),
          nextCursor: page.next && encodeCursor(page.next),
        };
      },
    );

    app.get(
      '/orders/:id/events',
      {
        config: { access: OWNER_OR_STAFF },
        schema: { params: OrderIdParams, response: { 200: OrderEvents, '4xx': Problem, '5xx': Problem } },
      },
      async (request) => {
        const { id } = request.params;
        const found = await readOrderDoc(deps, id, request.log);
        if (found === null || !reaches(callerOf(request), found.doc.customer.id)) throw orderNotFound(id);
        return { orderId: id, events: found.doc.timeline, freshness: freshnessOf(found.doc, found.source) };
      },
    );
  };
}
