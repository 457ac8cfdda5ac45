import { Type } from '@sinclair/typebox';
import { ADMIN } from '../auth/access';
import type { FastifyPluginAsync } from 'fastify';
import { SecretBox } from '../../infra/secret-box';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { announceSubscriptionChange, createSubscriptionStore } from '../../activities/webhook-subscriptions';
import { SUBSCRIBABLE_EVENTS } from '../../domain/webhooks';
import { checkTarget, TargetRefused } from '../../infra/outbound-http';
import { deliveriesOf } from '../../projections/webhook-deliveries/view';
import type { AppDeps } from '../deps';
import { HttpProblem } from '../problem';
import { literals, Problem } from '../schemas';

const EventType = literals(SUBSCRIBABLE_EVENTS);
const NewSubscription = Type.Object(
  {
    url: Type.String({ format: 'uri', maxLength: 2048, description: 'http(s); private networks refused' }),
    events: Type.Array(EventType, { minItems: 1, maxItems: SUBSCRIBABLE_EVENTS.length }),
  },
  { additionalProperties: false },
);
const Subscription = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(EventType),
  createdAt: Type.String(),
  secretsExpire: Type.Array(Type.Union([Type.String(), Type.Null()]), {
    description: 'one entry per secret that signs now: when it stops (null: the current one)',
  }),
});
const WithSecret = Type.Composite([
  Subscription,
  Type.Object({ secret: Type.String({ description: 'whsec_…; shown only in this answer' }) }),
]);
const IdParams = Type.Object({ id: Type.String({ pattern: '^whs_[A-Za-z0-9_-]{1,64}$' }) });
const Delivery = Type.Object({
  deliveryId: Type.String({ description: 'the webhook-id header' }),
  eventType: Type.String(),
  orderId: Type.String(),
  seq: Type.Integer(),
  status: literals(['pending', 'delivered', 'dead', 'skipped'] as const),
  attempts: Type.Array(
    Type.Object({
      n: Type.Integer(),
      at: Type.String(),
      status: Type.Union([Type.Integer(), Type.Null()]),
      latencyMs: Type.Integer(),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  reason: Type.Union([Type.String(), Type.Null()]),
  redrives: Type.Integer(),
});
const errors = { '4xx': Problem, '5xx': Problem };
const admin = { tags: ['admin'] };

const notFound = (id: string) =>
  new HttpProblem({ status: 404, title: 'Subscription not found', detail: `no webhook subscription ${id}` });

/** Webhook subscriptions (the admin API). */
export function webhookRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const store = createSubscriptionStore(
      deps.db,
      undefined,
      () =>
        // The change is made: a failed announcement is logged, and projectors see it within their bound.
        announceSubscriptionChange(deps.redis).catch((err: unknown) => {
          fastify.log.warn({ err }, 'webhook subscription change not announced to the projectors');
        }),
      new SecretBox(deps.secretKeys),
    );

    app.post(
      '/webhooks',
      {
        config: { access: ADMIN },
        schema: { ...admin, body: NewSubscription, response: { 201: WithSecret, ...errors } },
      },
      async (request, reply) => {
        const { url, events } = request.body;
        try {
          await checkTarget(url, deps.webhooks.outbound);
        } catch (err) {
          if (!(err instanceof TargetRefused)) throw err;
          throw new HttpProblem({
            status: 422,
            title: 'Target not allowed',
            detail: `url ${err.message}`,
            errors: [{ field: 'body.url', message: err.message }],
          });
        }
        const created = await store.create({ url, events });
        request.log.info({ subscriptionId: created.view.id, events }, 'webhook subscription created');
        return reply
          .status(201)
          .header('location', `/webhooks/${created.view.id}`)
          .send({ ...created.view, secret: created.secret });
      },
    );

    app.get(
      '/webhooks',
      {
        config: { access: ADMIN },
        schema: { ...admin, response: { 200: Type.Object({ items: Type.Array(Subscription) }), ...errors } },
      },
      async () => ({ items: await store.list() }),
    );

    app.delete(
      '/webhooks/:id',
      {
        config: { access: ADMIN },
        schema: { ...admin, params: IdParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        if (!(await store.remove(request.params.id))) throw notFound(request.params.id);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        config: { access: ADMIN },
        schema: { ...admin, params: IdParams, response: { 200: WithSecret, ...errors } },
      },
      async (request) => {
        const { id } = request.params;
        const rotated = await store.rotate(id, deps.webhooks.secretOverlapMs);
        if (rotated === null) throw notFound(id);
        if (rotated === 'conflict') {
          throw new HttpProblem({
            status: 409,
            title: 'Concurrent rotation',
            detail: 'the secret was rotated meanwhile; try again',
          });
        }
        return { ...rotated.view, secret: rotated.secret };
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        config: { access: ADMIN },
        schema: {
          ...admin,
          params: IdParams,
          querystring: Type.Object(
            { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Delivery) }), ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        if ((await store.get(id)) === null) throw notFound(id);
        const docs = await deliveriesOf(deps.db, id, request.query.limit ?? 20);
        return { items: docs.map(({ _id, ...d }) => ({ deliveryId: _id, ...d })) };
      },
    );
  };
}
