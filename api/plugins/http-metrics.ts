import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Metrics } from '../../infra/metrics';

/**
 * Latency by route pattern (not by URL: ids would explode the label set), method and status, into
 * `http_request_duration_seconds`; each label set's series looked up once.
 */
function observeDurations(
  app: FastifyInstance,
  { metrics }: { metrics: Metrics },
  registered: () => void,
): void {
  const durations = new Map<string, { observe(seconds: number): void }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const status = String(reply.statusCode);
    const key = `${request.method} ${route} ${status}`;
    let series = durations.get(key);
    if (!series) {
      series = metrics.httpDuration.labels(request.method, route, status);
      durations.set(key, series);
    }
    series.observe(reply.elapsedTime / 1000);
    done();
  });
  registered();
}

export const httpMetrics = fp(observeDurations, { name: 'http-metrics' });
