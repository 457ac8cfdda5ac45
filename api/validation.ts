import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { allErrors: true, useDefaults: true, removeAdditional: false };

/**
 * Two validators: bodies and headers are taken as sent (a `"2"` where a number belongs is an error,
 * not silently coerced); query strings and path parameters are text by nature, so `?limit=20` is read
 * as the number its schema asks for.
 */
export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = addFormats(new Ajv({ ...COMMON, coerceTypes: false }));
  const coercing = addFormats(new Ajv({ ...COMMON, coerceTypes: true }));
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'querystring' || httpPart === 'params' ? coercing : strict;
    return ajv.compile(schema as object);
  };
}
