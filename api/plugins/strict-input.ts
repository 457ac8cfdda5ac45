import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { validatorCompiler } from '../validation';

/**
 * What a request may send: wrong body types are errors, not silently coerced; unknown fields are
 * errors, not silently dropped (api/validation.ts); JSON only, so a text/plain body is refused with
 * 415 rather than parsed as a string.
 */
function refuseLooseInput(app: FastifyInstance, _options: unknown, registered: () => void): void {
  app.setValidatorCompiler(validatorCompiler());
  app.removeContentTypeParser('text/plain');
  registered();
}

export const strictInput = fp(refuseLooseInput, { name: 'strict-input' });
