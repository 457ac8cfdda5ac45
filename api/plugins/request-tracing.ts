import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Span,
} from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Tracing } from '../../infra/tracing';

/**
 * One server span per request, named by its route (`POST /orders`), continuing the caller's trace
 * (a `traceparent` header) or starting one; what the request does in Temporal (a workflow start, an
 * Update) is a child of it; health probes are not traced. The span is made current again just before
 * the handler: the body is read in the connection's own async context, which would lose it.
 */
function addRequestTracing(
  app: FastifyInstance,
  { tracing }: { tracing: Tracing | null | undefined },
  registered: () => void,
): void {
  if (!tracing) return registered();
  const spans = new WeakMap<FastifyRequest, Span>();
  const within = (request: FastifyRequest, done: () => void) => {
    const span = spans.get(request);
    if (span) context.with(trace.setSpan(context.active(), span), done);
    else done();
  };
  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    // The probes (every few seconds, from every orchestrator node) would bury the orders' traces.
    if (route.startsWith('/health/')) return done();
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracing.tracer.startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route } },
      parent,
    );
    spans.set(request, span);
    within(request, done);
  });
  app.addHook('preHandler', (request, _reply, done) => within(request, done));
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    span?.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span?.setStatus({ code: SpanStatusCode.ERROR });
    span?.end();
    done();
  });
  registered();
}

export const requestTracing = fp(addRequestTracing, { name: 'request-tracing' });
