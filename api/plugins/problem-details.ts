import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, sendProblem, storeUnreachable } from '../problem';

interface AjvError {
  instancePath: string;
  message?: string;
  keyword: string;
  params: Record<string, unknown>;
}

/** `/items/0/quantity` in the body becomes `body.items[0].quantity`. */
function fieldOf(context: string | undefined, e: AjvError): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  if (e.keyword === 'required' && typeof e.params.missingProperty === 'string') {
    parts.push(e.params.missingProperty);
  }
  if (e.keyword === 'additionalProperties' && typeof e.params.additionalProperty === 'string') {
    parts.push(e.params.additionalProperty);
  }
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), context ?? 'body');
}

const CLIENT_ERRORS: Record<string, { status: number; title: string; field?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, title: 'Request body too large', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', field: 'content-type' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, title: 'Empty JSON body', field: 'body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, title: 'Malformed JSON', field: 'body' },
};

/**
 * Every error as RFC 9457 problem+json: an HttpProblem as it says, a schema refusal as 400 naming each
 * field, Fastify's body errors (size, media type, JSON) with their status, a store out of reach as 503
 * with Retry-After, anything else as a 500 whose details stay in the log; an unknown route as 404.
 */
function answerWithProblems(app: FastifyInstance, _options: unknown, registered: () => void): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const instance = request.url;
    if (err instanceof HttpProblem) {
      if (err.status >= 500) request.log.error({ err: err.cause ?? err }, err.message);
      return sendProblem(reply, {
        type: err.type,
        title: err.title,
        status: err.status,
        detail: err.message,
        instance,
        ...(err.errors ? { errors: err.errors } : {}),
      });
    }
    if (err.validation) {
      const errors = (err.validation as AjvError[]).map((e) => ({
        field: fieldOf(err.validationContext, e),
        message: e.message ?? e.keyword,
      }));
      return sendProblem(reply, {
        type: 'about:blank',
        title: 'Invalid request',
        status: 400,
        detail: errors.map((e) => `${e.field}: ${e.message}`).join('; '),
        instance,
        errors,
      });
    }
    const known = err.code ? CLIENT_ERRORS[err.code] : undefined;
    const status = known?.status ?? err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const field = known?.field ?? 'body';
      return sendProblem(reply, {
        type: 'about:blank',
        title: known?.title ?? 'Bad request',
        status,
        detail: err.message,
        instance,
        errors: [{ field, message: err.message }],
      });
    }
    request.log.error({ err }, 'request failed');
    // A store that cannot be reached (MongoDB down while Redis misses) is a 503 to retry, not a bug.
    if (status === 500 && storeUnreachable(err)) {
      void reply.header('retry-after', '1');
      return sendProblem(reply, { type: 'about:blank', title: 'Service unavailable', status: 503, instance });
    }
    // 5xx details stay in the log, never in the answer.
    return sendProblem(reply, {
      type: 'about:blank',
      title: status === 503 ? 'Service unavailable' : 'Internal server error',
      status,
      instance,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      type: 'about:blank',
      title: 'Not found',
      status: 404,
      detail: `no route ${request.method} ${request.url}`,
      instance: request.url,
    }),
  );
  registered();
}

export const problemDetails = fp(answerWithProblems, { name: 'problem-details' });

/**
 * Errors the router raises before any route (a malformed URL, a path parameter past its length):
 * problem+json like every other error, not Fastify's own JSON. Fastify's `frameworkErrors` option.
 */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  err,
  request,
  reply,
) => {
  void sendProblem(reply, {
    type: 'about:blank',
    title: err.statusCode === 414 ? 'URI too long' : 'Invalid request',
    status: err.statusCode ?? 400,
    detail: err.statusCode === 414 ? 'a path parameter is too long' : 'the URL is not valid',
    instance: request.url.slice(0, 200),
    errors: [{ field: 'params', message: err.code }],
  });
};
