import fc from 'fast-check';
import { DEMO_CATALOG } from '../../domain/catalog';
import { AS_ADMIN, AS_SUPPORT, asCustomer } from '../helpers/auth';
import { invalid, valid, type JsonSchema } from '../helpers/schema-arbitrary';
import { startTestStack, type TestStack } from '../helpers/stack';

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  method: string;
  path: string;
  parameters?: Parameter[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  security?: unknown[];
}

interface ApiRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** The customer whose order the fuzzer knows, and another. */
const FUZZ_CUSTOMER = asCustomer({ id: 'c-fuzz', email: 'f@example.com' });
const OTHER_CUSTOMER = asCustomer({ id: 'c-other', email: 'o@example.com', phone: '+4915112345678' });

/** A field a validation problem may name: where in the request it is. */
const FIELD = /^(body|querystring|params|headers|content-type)([.[]|$)/;

/** Printable ASCII only: a header value fetch can send. */
const asHeader = (v: unknown) => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return /^[\x20-\x7e]*$/.test(text) ? text : 'not-ascii';
};

const asText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** Valid most of the time (so requests get past validation and reach the stores), else invalid. */
const eitherWay = (schema: JsonSchema) =>
  fc.oneof({ arbitrary: valid(schema), weight: 3 }, { arbitrary: invalid(schema), weight: 1 });

/** Requests for one operation of the document: its parameters and body, valid or not. */
function requestsFor(op: Operation, known: Record<string, string[]>): fc.Arbitrary<ApiRequest> {
  const params = op.parameters ?? [];
  const pathValues = params
    .filter((p) => p.in === 'path')
    .map((p) =>
      fc
        .oneof(fc.constantFrom(...(known[p.name] ?? ['x'])), eitherWay(p.schema))
        .map((v) => [p.name, asText(v)] as const),
    );
  const optional = params
    .filter((p) => p.in !== 'path')
    .map((p) => fc.option(eitherWay(p.schema), { nil: undefined }).map((v) => [p, v] as const));
  const schema = op.requestBody?.content['application/json'].schema;
  const body = schema
    ? fc.oneof(
        { arbitrary: eitherWay(schema).map((v) => JSON.stringify(v)), weight: 9 },
        { arbitrary: fc.constantFrom('{"items":', '', 'null', '[]'), weight: 1 },
      )
    : fc.constant(undefined);
  const auth = op.security
    ? fc.constantFrom<string | undefined>(
        FUZZ_CUSTOMER.authorization,
        OTHER_CUSTOMER.authorization,
        AS_SUPPORT.authorization,
        AS_ADMIN.authorization,
        'Bearer x',
        undefined,
      )
    : fc.constant(undefined);
  return fc
    .record({ path: fc.tuple(...pathValues), optional: fc.tuple(...optional), body, auth })
    .map((r) => {
      let path = op.path;
      for (const [name, value] of r.path) path = path.replace(`{${name}}`, encodeURIComponent(value));
      const query = new URLSearchParams();
      const headers: Record<string, string> = {};
      for (const [p, v] of r.optional) {
        if (v === undefined) continue;
        if (p.in === 'query') query.set(p.name, asText(v));
        else headers[p.name] = asHeader(v);
      }
      if (r.auth) headers.authorization = r.auth;
      if (r.body !== undefined) headers['content-type'] = 'application/json';
      const search = query.toString();
      return { method: op.method, url: `${path}${search ? `?${search}` : ''}`, headers, body: r.body };
    });
}

/**
 * The API fuzzed from its own contract: requests generated from the OpenAPI document it serves, valid
 * and invalid, against the whole stack. No answer may be a 5xx; every 4xx is problem+json, and a
 * validation problem (400, 422) names the fields it is about.
 */
describe('the API against requests generated from its OpenAPI document', () => {
  let stack: TestStack;
  let operations: Operation[];
  const known: Record<string, string[]> = { sku: DEMO_CATALOG.map((p) => p.sku) };

  beforeAll(async () => {
    stack = await startTestStack('contract');
    const doc = (await (await fetch(`${stack.base}/docs/json`)).json()) as {
      paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>;
    };
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
    const placed = await fetch(`${stack.base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...FUZZ_CUSTOMER },
      body: JSON.stringify({ items: [{ sku: 'KB-001', quantity: 1 }] }),
    });
    const { orderId } = (await placed.json()) as { orderId: string };
    known.id = [orderId, 'does-not-exist'];
  }, 120_000);

  afterAll(() => stack?.stop(), 60_000);

  test('given any request the document describes, valid or not, then no answer is a 5xx and every 4xx is a problem naming its fields', async () => {
    const requests = fc.oneof(...operations.map((op) => requestsFor(op, known)));
    await fc.assert(
      fc.asyncProperty(requests, async (req) => {
        const res = await fetch(`${stack.base}${req.url}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
        });
        const text = await res.text();
        const seen = `${req.method} ${req.url} ${req.body ?? ''} -> ${res.status} ${text.slice(0, 300)}`;
        expect({ seen, server: res.status >= 500 }).toEqual({ seen, server: false });
        if (res.status < 400) return;
        const type = res.headers.get('content-type') ?? '';
        expect({ seen, problem: type.startsWith('application/problem+json') }).toEqual({
          seen,
          problem: true,
        });
        const problem = JSON.parse(text) as { status: number; title: string; errors?: { field: string }[] };
        expect({ seen, status: problem.status, title: typeof problem.title }).toEqual({
          seen,
          status: res.status,
          title: 'string',
        });
        if (res.status === 400 || res.status === 422) {
          const fields = (problem.errors ?? []).map((e) => e.field);
          expect({ seen, named: fields.length > 0 && fields.every((f) => FIELD.test(f)) }).toEqual({
            seen,
            named: true,
          });
        }
      }),
      { numRuns: 600 },
    );
  }, 180_000);
});
