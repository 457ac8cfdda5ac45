import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { PUBLIC } from './auth/access';

/**
 * The OpenAPI document is generated from the route schemas (so it cannot drift from what is
 * validated), served at `/docs/json` with a browsable UI at `/docs`; registered before the routes.
 */
export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Order saga API',
        version: '0.1.0',
        description:
          'Orders are Temporal workflows (sagas); reads come from MongoDB and Redis read models and say how ' +
          'fresh they are. Errors are RFC 9457 application/problem+json. Amounts are integer minor units.',
      },
      tags: [
        { name: 'orders', description: 'place, pay, cancel and read orders' },
        { name: 'reads', description: 'invoices, customers, statistics' },
        { name: 'admin', description: 'webhook subscriptions and dead letters (admin token)' },
        { name: 'operations', description: 'health for probes; the metrics are on the ops port, not here' },
      ],
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'a token of the identity provider: role customer (sub = customer id), support or admin',
          },
        },
      },
    },
  });
  // The documentation is public: its routes declare so, like every other route (api/auth/access.ts).
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: PUBLIC };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
}
