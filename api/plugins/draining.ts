import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Shutting down: requests already in flight are answered, each with `Connection: close`, so their
 * keep-alive connections end with them and close() need not wait for the clients to hang up.
 */
function closeConnectionsWhenClosing(app: FastifyInstance, _options: unknown, registered: () => void): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  registered();
}

export const draining = fp(closeConnectionsWhenClosing, { name: 'draining' });
