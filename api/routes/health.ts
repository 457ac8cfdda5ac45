import { Type } from '@sinclair/typebox';
import { PUBLIC } from '../auth/access';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../deps';
import { check } from '../../infra/health-check';

const Check = Type.Object({
  ok: Type.Boolean(),
  latencyMs: Type.Integer(),
  error: Type.Optional(Type.String()),
});
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  checks: Type.Record(Type.String(), Check),
});

/**
 * Liveness (the process answers) and readiness (Temporal, MongoDB and Redis answer). The metrics are
 * not here: they are on the process's ops port (api/server.ts), not on the public one.
 */
export function opsRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const ops = { tags: ['operations'] };

    app.get(
      '/health/live',
      {
        config: { access: PUBLIC },
        schema: { ...ops, response: { 200: Type.Object({ status: Type.Literal('live') }) } },
      },
      async () => ({ status: 'live' as const }),
    );

    app.get(
      '/health/ready',
      { config: { access: PUBLIC }, schema: { ...ops, response: { 200: Ready, 503: Ready } } },
      async (_request, reply) => {
        const [temporal, mongodb, redis] = await Promise.all([
          check(() => deps.temporal.workflowService.getSystemInfo({})),
          check(() => deps.db.command({ ping: 1 })),
          check(() => deps.redis.ping()),
        ]);
        const checks = { temporal, mongodb, redis };
        const ready = Object.values(checks).every((c) => c.ok);
        return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
      },
    );
  };
}
