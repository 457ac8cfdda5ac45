import { createServer, type Server } from 'node:http';
import { check } from './health-check';
import type { Metrics } from './metrics';

/**
 * A process's operations port: `/metrics`, `/health/live`, and `/health/ready` (every probe answers).
 * Each worker has one, and so has the API: its metrics are not served on the public port. Loopback
 * unless told otherwise (OPS_HOST).
 */
export async function startOpsServer(opts: {
  port: number;
  host: string;
  metrics: Metrics;
  probes: Record<string, () => Promise<unknown>>;
}): Promise<Server> {
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res
        .writeHead(status, { 'content-type': type })
        .end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') return send(405, { status: 405, title: 'Method not allowed' });
    if (path === '/health/live') return send(200, { status: 'live' });
    if (path === '/metrics') {
      void opts.metrics.registry.metrics().then((text) => send(200, text, opts.metrics.registry.contentType));
      return undefined;
    }
    if (path === '/health/ready') {
      void (async () => {
        const entries = await Promise.all(
          Object.entries(opts.probes).map(async ([name, probe]) => [name, await check(probe)] as const),
        );
        const checks = Object.fromEntries(entries);
        const ready = entries.every(([, c]) => c.ok);
        send(ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks });
      })();
      return undefined;
    }
    return send(404, { status: 404, title: 'Not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, resolve);
  });
  return server;
}
