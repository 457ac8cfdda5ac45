import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

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
        { name: 'admin', description: 'webhook subscriptions and dead letters (API key)' },
        { name: 'operations', description: 'health for probes; the metrics are on the ops port, not here' },
      ],
      components: {
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'the ADMIN_API_KEY of the deployment' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}
