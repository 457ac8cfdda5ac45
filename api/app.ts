import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createMetrics } from '../infra/metrics';
import { lazyChildLogger } from '../infra/logger';
import type { AppDeps } from './deps';
import { registerDocs } from './docs';
import { AccessLog } from './plugins/access-log';
import { accessControl } from './plugins/access-control';
import { draining } from './plugins/draining';
import { httpMetrics } from './plugins/http-metrics';
import { frameworkErrors, problemDetails } from './plugins/problem-details';
import { rateLimit } from './plugins/rate-limit';
import { requestId, requestIdOf } from './plugins/request-id';
import { requestTracing } from './plugins/request-tracing';
import { securityHeaders } from './plugins/security-headers';
import { strictInput } from './plugins/strict-input';
import { ROUTES } from './routes';

/** The Fastify options: logging, request ids, body limit, the proxies trusted, router errors. */
const serverOptions = (deps: AppDeps): FastifyServerOptions => ({
  ...(deps.logger ? { loggerInstance: deps.logger, childLoggerFactory: lazyChildLogger } : { logger: false }),
  requestIdHeader: false,
  genReqId: requestIdOf,
  logController: new AccessLog(),
  bodyLimit: deps.bodyLimit ?? 256 * 1024,
  trustProxy: deps.trustProxy ?? false,
  frameworkErrors,
});

/** The HTTP app as a factory: the server entry listens, tests call `inject()`. Plugins in hook order. */
export async function buildApp(given: AppDeps): Promise<FastifyInstance> {
  const deps = { ...given, metrics: given.metrics ?? createMetrics('api') };
  const app = Fastify(serverOptions(deps)).withTypeProvider<TypeBoxTypeProvider>();
  // first: the request's span covers everything after it
  await app.register(requestTracing, { tracing: deps.tracing });
  await app.register(requestId);
  await app.register(strictInput);
  await app.register(problemDetails);
  await app.register(securityHeaders);
  // before the rate limit, so that it counts by caller
  await app.register(accessControl, deps.auth);
  await app.register(rateLimit, { redis: deps.redis, limit: deps.rateLimit });
  await app.register(draining);
  await app.register(httpMetrics, { metrics: deps.metrics });
  await registerDocs(app);
  for (const routes of ROUTES) await app.register(routes(deps));
  return app;
}
