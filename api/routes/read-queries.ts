import type { FastifyPluginAsync } from 'fastify';
import { callerOf, OWNER_OR_STAFF, reaches, STAFF } from '../auth/access';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { customerSummary } from '../../projections/orders/customer-summary';
import { invoicesCollection } from '../../projections/invoices/view';
import { encodeCursor, listOrders } from '../../projections/orders/queries';
import { recentOrdersFromRedis } from '../../projections/orders/redis';
import { statsFromMongo, statsFromRedis, type OrderStats } from '../../projections/stats';
import type { AppDeps } from '../deps';
import { HttpProblem } from '../problem';
import { freshnessOf } from '../freshness';
import {
  CustomerIdParams,
  CustomerOrders,
  InvoiceAnswer,
  InvoiceIdParams,
  PageQuery,
  Stats,
} from '../query-schemas';
import { Problem } from '../schemas';
import { Type } from '@sinclair/typebox';
import { cursorOf, customerNotFound, summaryOf } from './order-queries';

const errors = { '4xx': Problem, '5xx': Problem };

/** Invoices, customers and the dashboard figures, all from the read models. */
export function readQueryRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/invoices/:id',
      {
        config: { access: OWNER_OR_STAFF },
        schema: { params: InvoiceIdParams, response: { 200: InvoiceAnswer, ...errors } },
      },
      async (request) => {
        const { id } = request.params;
        const doc = await invoicesCollection(deps.db).findOne({ _id: id });
        if (doc === null || !reaches(callerOf(request), doc.customerId)) {
          throw new HttpProblem({
            status: 404,
            title: 'Invoice not found',
            detail: `no invoice with id ${id}`,
          });
        }
        const { _id, version: _v, projectedAt: _p, ...invoice } = doc;
        return { invoiceId: _id, ...invoice, freshness: freshnessOf(doc, 'mongodb') };
      },
    );

    app.get(
      '/customers/:id/orders',
      {
        config: { access: OWNER_OR_STAFF },
        schema: {
          params: CustomerIdParams,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: CustomerOrders, ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { limit = 20, cursor } = request.query;
        if (!reaches(callerOf(request), id)) throw customerNotFound(id);
        const customer = await customerSummary(deps.db, id);
        if (customer.orderCount === 0) throw customerNotFound(id);
        const counts = { customerId: id, ...customer };
        // The first page is the customer's recent list in Redis when it holds all of it.
        const recent =
          cursor === undefined
            ? await recentOrdersFromRedis(deps.redis, id, limit, customer.orderCount).catch(
                (err: unknown) => {
                  request.log.warn({ err }, 'redis read failed, listing the orders from MongoDB');
                  return null;
                },
              )
            : null;
        if (recent !== null) {
          const last = recent.items.at(-1);
          return {
            ...counts,
            items: recent.items.map((doc) => summaryOf(doc, 'redis')),
            nextCursor:
              recent.more && last ? encodeCursor({ placedAt: last.placedAt, orderId: last._id }) : null,
            source: 'redis' as const,
          };
        }
        const page = await listOrders(deps.db, { customerId: id }, { limit, after: cursorOf(cursor) });
        return {
          ...counts,
          items: page.items.map((doc) => summaryOf(doc)),
          nextCursor: page.next && encodeCursor(page.next),
          source: 'mongodb' as const,
        };
      },
    );

    app.get(
      '/stats',
      { config: { access: STAFF }, schema: { response: { 200: Stats, ...errors } } },
      async (request) => {
        const answer = ({ reflects, ...figures }: OrderStats, source: 'redis' | 'mongodb') => ({
          ...figures,
          freshness: {
            source,
            events: reflects.events,
            projectedAt: reflects.projectedAt?.toISOString() ?? null,
          },
        });
        try {
          return answer(await statsFromRedis(deps.redis), 'redis');
        } catch (err) {
          request.log.warn({ err }, 'redis read failed, computing stats from MongoDB');
          return answer(await statsFromMongo(deps.db), 'mongodb');
        }
      },
    );
  };
}
