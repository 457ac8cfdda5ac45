import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The request's id (Fastify's genReqId): a caller's X-Request-Id when it looks like an id, otherwise a
 * new one. It names the request's log lines.
 */
export const requestIdOf: NonNullable<FastifyServerOptions['genReqId']> = (req) => {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
};

/** Every answer echoes the request's id in X-Request-Id. */
function echoRequestId(app: FastifyInstance, _options: unknown, registered: () => void): void {
  // A callback hook, not a promise: on the read path each promise costs (the Temporal client's
  // AsyncLocalStorage tracks every one of them).
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  registered();
}

export const requestId = fp(echoRequestId, { name: 'request-id' });
