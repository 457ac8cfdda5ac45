import { randomUUID } from 'node:crypto';
import { ADMIN, PUBLIC } from '../auth/access';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CatalogRefusal, createCatalog } from '../../activities/catalog';
import type { StockSnapshot } from '../../domain/stock';
import {
  applyStockSnapshot,
  catalogFromRedis,
  productFromRedis,
  productsCollection,
  type ProductView,
} from '../../projections/products/view';
import type { AppDeps } from '../deps';
import { HttpProblem } from '../problem';
import { freshnessOf } from '../freshness';
import { Freshness } from '../query-schemas';
import { IdempotencyHeaders, Problem } from '../schemas';

const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
const Price = Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'minor units' });

const NewProduct = Type.Object(
  {
    sku: Sku,
    name: Name,
    price: Price,
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    stock: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'opening stock' }),
  },
  { additionalProperties: false },
);
const ProductChange = Type.Object(
  { name: Type.Optional(Name), price: Type.Optional(Price) },
  { additionalProperties: false, minProperties: 1 },
);
const StockAdjustment = Type.Object(
  {
    delta: Type.Integer({ minimum: -1_000_000, maximum: 1_000_000, not: { const: 0 } }),
    reason: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  },
  { additionalProperties: false },
);
const SkuParams = Type.Object({ sku: Sku });
const ProductAnswer = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  price: Type.Integer(),
  currency: Type.String(),
  available: Type.Integer(),
  reserved: Type.Integer(),
  freshness: Freshness,
});
const errors = { '4xx': Problem, '5xx': Problem };

const answerOf = (p: ProductView, source: string) => ({
  sku: p._id,
  name: p.name,
  price: p.price,
  currency: p.currency,
  available: p.available,
  reserved: p.reserved,
  freshness: freshnessOf(p, source),
});

function refused(err: unknown): never {
  if (!(err instanceof CatalogRefusal)) throw err;
  const [status, title] =
    err.reason === 'unknown-sku'
      ? [404, 'Product not found']
      : err.reason === 'duplicate-sku'
        ? [409, 'Conflict']
        : [422, 'Unprocessable content'];
  const field = err.reason === 'key-reused' ? 'headers.idempotency-key' : err.field && `body.${err.field}`;
  const errs = field ? [{ field, message: err.message }] : undefined;
  throw new HttpProblem({
    status: status,
    title: title,
    detail: err.message,
    type: `urn:problem:${err.reason}`,
    errors: errs,
  });
}

/**
 * The product catalog: commands write the SKU's stock ledger and project the new snapshot at once
 * (so the answer and a following read agree); reads come from Redis, falling back to MongoDB.
 */
export function productRoutes(deps: AppDeps): FastifyPluginAsync {
  // Made on first use: building the app touches no database.
  let made: ReturnType<typeof createCatalog> | undefined;
  const catalog = () => (made ??= createCatalog({ db: deps.db }));

  async function projected(snapshot: StockSnapshot) {
    const view = await applyStockSnapshot(deps.db, deps.redis, snapshot, new Date());
    return answerOf(view, 'command');
  }

  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/products',
      {
        config: { access: ADMIN },
        schema: { body: NewProduct, response: { 201: ProductAnswer, ...errors } },
      },
      async (request, reply) => {
        const snapshot = await catalog().createProduct(request.body).catch(refused);
        return reply
          .status(201)
          .header('location', `/products/${encodeURIComponent(snapshot.sku)}`)
          .send(await projected(snapshot));
      },
    );

    app.patch(
      '/products/:sku',
      {
        config: { access: ADMIN },
        schema: {
          params: SkuParams,
          headers: IdempotencyHeaders,
          body: ProductChange,
          response: { 200: ProductAnswer, ...errors },
        },
      },
      async (request) => {
        const requestId = request.headers['idempotency-key'] ?? randomUUID();
        const snapshot = await catalog()
          .updateProduct(request.params.sku, request.body, requestId)
          .catch(refused);
        return projected(snapshot);
      },
    );

    app.post(
      '/products/:sku/stock-adjustments',
      {
        config: { access: ADMIN },
        schema: {
          params: SkuParams,
          headers: IdempotencyHeaders,
          body: StockAdjustment,
          response: { 200: ProductAnswer, ...errors },
        },
      },
      async (request) => {
        const { delta, reason } = request.body;
        const requestId = request.headers['idempotency-key'] ?? randomUUID();
        const snapshot = await catalog()
          .adjustStock(request.params.sku, delta, reason, requestId)
          .catch(refused);
        return projected(snapshot);
      },
    );

    app.get(
      '/products/:sku',
      {
        config: { access: PUBLIC },
        schema: { params: SkuParams, response: { 200: ProductAnswer, ...errors } },
      },
      async (request) => {
        const { sku } = request.params;
        try {
          const cached = await productFromRedis(deps.redis, sku);
          if (cached) return answerOf(cached, 'redis');
        } catch (err) {
          request.log.warn({ err }, 'redis read failed, falling back to MongoDB');
        }
        const doc = await productsCollection(deps.db).findOne({ _id: sku });
        if (!doc)
          throw new HttpProblem({
            status: 404,
            title: 'Product not found',
            detail: `no product with SKU ${sku}`,
          });
        return answerOf(doc, 'mongodb');
      },
    );

    app.get(
      '/catalog',
      {
        config: { access: PUBLIC },
        schema: { response: { 200: Type.Object({ items: Type.Array(ProductAnswer) }), ...errors } },
      },
      async (request) => {
        try {
          const items = await catalogFromRedis(deps.redis);
          if (items.length > 0) return { items: items.map((p) => answerOf(p, 'redis')) };
        } catch (err) {
          request.log.warn({ err }, 'redis read failed, falling back to MongoDB');
        }
        const docs = await productsCollection(deps.db).find({}).sort({ _id: 1 }).toArray();
        return { items: docs.map((p) => answerOf(p, 'mongodb')) };
      },
    );
  };
}
