import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { OrderChanges } from './order-changes';
import { addRequestTracing } from './request-tracing';
import type { Tracing } from '../infra/tracing';
import { addSecurityHeaders } from './security-headers';
import rateLimit from '@fastify/rate-limit';
import { budgetStore, SharedBudget } from './shared-budget';
import type { Db } from 'mongodb';
import { HttpProblem, registerProblemHandlers, sendProblem } from './problem';
import { validatorCompiler } from './validation';
import { registerDocs } from './docs';
import { orderRoutes } from './routes/orders';
import { orderCommandRoutes } from './routes/order-commands';
import { orderQueryRoutes } from './routes/order-queries';
import { readQueryRoutes } from './routes/read-queries';
import { productRoutes } from './routes/products';
import { webhookRoutes } from './routes/webhooks';
import { deadLetterRoutes } from './routes/dead-letters';
import { codecRoutes } from './routes/codec';
import { opsRoutes } from './routes/health';
import { createMetrics, type Metrics } from '../infra/metrics';
import type { PayloadKeys } from '../infra/payload-codec';
import { lazyChildLogger } from '../infra/logger';
import { registerAccessControl } from './auth/access';
import type { TokenSettings } from './auth/tokens';
import type { CommandTiming } from './workflow-commands';
import type { WebhookSettings } from '../activities/webhook-dispatch';
import type { PaymentTerms } from '../workflows/order';

export interface AppDeps {
  temporal: Client;
  db: Db;
  redis: Redis;
  ordersTaskQueue: string;
  projectionsTaskQueue: string;
  paymentTerms: PaymentTerms;
  webhooks: WebhookSettings;
  /** how callers' bearer tokens are verified (api/auth) */
  auth: TokenSettings;
  /** the key ring webhook signing secrets are sealed with at rest (clear without one), and the codec server's */
  secretKeys?: PayloadKeys;
  /** the Web UI origins the codec server answers (CORS), e.g. http://127.0.0.1:8233 */
  codecOrigins?: readonly string[];
  /** this process's metrics (a fresh registry when not given) */
  metrics?: Metrics;
  /** bounds on waiting for the workflow (commands and strong reads) */
  commandTiming?: CommandTiming;
  /** the process's pino logger (none in tests) */
  logger?: FastifyBaseLogger;
  /** which proxies' X-Forwarded-For names the client (Fastify's trustProxy); none by default */
  trustProxy?: boolean | string[];
  /** bytes; larger bodies are refused with 413 */
  bodyLimit?: number;
  /** wakes `minSeq` reads when the projector announces a version (they poll without it) */
  changes?: OrderChanges;
  /** requests per client address and window; none: no limit (tests) */
  rateLimit?: RateLimit;
  /** a span per request, parent of what it does in Temporal (none: untraced) */
  tracing?: Tracing | null;
}

export interface RateLimit {
  /** requests per window of one caller: a token's subject, or the client address without one */
  max: number;
  windowMs: number;
  /** how often a process adds its counts to the shared ones in Redis (200 ms) */
  syncMs?: number;
}

/** Whose budget a request spends: its verified caller's, else its client address's. */
const rateLimitKey = (request: FastifyRequest): string =>
  request.principal ? `${request.principal.role}:${request.principal.sub}` : `ip:${request.ip}`;

/**
 * One access line per request, written when it is answered, with what Fastify's two lines (received,
 * completed) told between them: half the logging at read rates. The received line is still there at
 * level debug.
 */
class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEFAULT_COMMAND_TIMING: CommandTiming = { acceptWithinMs: 10_000, answerWithinMs: 5_000 };

/** The HTTP app as a factory: the server entry listens, tests call `inject()`. */
export async function buildApp(given: AppDeps): Promise<FastifyInstance> {
  const deps = { ...given, metrics: given.metrics ?? createMetrics('api') };
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger, childLoggerFactory: lazyChildLogger }
      : { logger: false }),
    // A caller's X-Request-Id is kept when it looks like an id; otherwise one is made. Echoed back.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: deps.bodyLimit ?? 256 * 1024,
    trustProxy: deps.trustProxy ?? false,
    logController: new AccessLog(),
    // Errors the router raises before any route (a malformed URL, a path parameter past its length):
    // problem+json like every other error, not Fastify's own JSON.
    frameworkErrors: (err, request, reply) => {
      void sendProblem(reply, {
        type: 'about:blank',
        title: err.statusCode === 414 ? 'URI too long' : 'Invalid request',
        status: err.statusCode ?? 400,
        detail: err.statusCode === 414 ? 'a path parameter is too long' : 'the URL is not valid',
        instance: request.url.slice(0, 200),
        errors: [{ field: 'params', message: err.code }],
      });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Wrong body types are errors, not silently coerced; unknown fields are errors, not silently dropped.
  app.setValidatorCompiler(validatorCompiler());
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser('text/plain');
  // First: the request's span covers everything after it (access control, rate limit, the route).
  addRequestTracing(app, deps.tracing);
  registerProblemHandlers(app);
  addSecurityHeaders(app);
  // Before the rate limit, so that it counts by caller.
  await registerAccessControl(app, deps.auth);
  if (deps.rateLimit) {
    // One budget for all API processes, kept in Redis and synced in batches (api/shared-budget.ts).
    const budget = new SharedBudget(deps.redis, deps.rateLimit.windowMs, deps.rateLimit.syncMs);
    app.addHook('onClose', async () => budget.close());
    await app.register(rateLimit, {
      global: true,
      store: budgetStore(budget),
      max: deps.rateLimit.max,
      timeWindow: deps.rateLimit.windowMs,
      keyGenerator: rateLimitKey,
      errorResponseBuilder: (_request, ctx) =>
        new HttpProblem(
          429,
          'Too many requests',
          `at most ${ctx.max} requests per ${ctx.after} from one caller; retry after the time in Retry-After`,
        ),
    });
  }
  // The hooks every request passes take a callback, not a promise: on the read path each promise
  // costs (the Temporal client's AsyncLocalStorage tracks every one of them).
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // Shutting down: requests already in flight are answered, each with `Connection: close`, so their
  // keep-alive connections end with them and close() need not wait for the clients to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  // Latency by route pattern (not by URL: ids would explode the label set) and status; each label
  // set's series looked up once.
  const durations = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = String(reply.statusCode);
    const key = `${request.method} ${route} ${status}`;
    let series = durations.get(key);
    if (!series) {
      series = deps.metrics.httpDuration.labels(request.method, route, status);
      durations.set(key, series);
    }
    series.observe(reply.elapsedTime / 1000);
    done();
  });
  await registerDocs(app);
  await app.register(orderRoutes(deps));
  await app.register(orderCommandRoutes(deps));
  await app.register(orderQueryRoutes(deps));
  await app.register(readQueryRoutes(deps));
  await app.register(productRoutes(deps));
  await app.register(webhookRoutes(deps));
  await app.register(deadLetterRoutes(deps));
  await app.register(codecRoutes(deps));
  await app.register(opsRoutes(deps));
  return app;
}
