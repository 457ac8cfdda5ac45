/** One request a hostile or careless client sends, and what kind of trouble it is. */
export interface HostileRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const order = (customer: unknown, items: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ customer, items, ...extra });
const goodCustomer = { id: 'hostile-1', email: 'h@example.com' };
const goodItems = [{ sku: 'CB-004', quantity: 1 }];

const INJECTIONS = [
  "'; DROP TABLE orders; --",
  '{"$gt": ""}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '${jndi:ldap://x/a}',
  '%00',
  'a\u0000b',
  '\u202eevil',
  '😀'.repeat(40),
  'x'.repeat(5000),
];

/** Templates, each a way to be wrong; the n-th request uses template n mod their count with value n. */
const TEMPLATES: ((n: number) => HostileRequest)[] = [
  // wrong types
  () => ({
    kind: 'wrong-type',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order('c-1', goodItems),
  }),
  (n) => ({
    kind: 'wrong-type',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, [{ sku: 'CB-004', quantity: String(n) }]),
  }),
  () => ({
    kind: 'wrong-type',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, { sku: 'CB-004' }),
  }),
  (n) => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, [
      { sku: 'CB-004', quantity: [-1, 0, 1.5, 1e12, Number.MAX_SAFE_INTEGER][n % 5] },
    ]),
  }),
  () => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, []),
  }),
  (n) => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(
      goodCustomer,
      Array.from({ length: 51 + (n % 10) }, () => ({ sku: 'CB-004', quantity: 1 })),
    ),
  }),
  () => ({
    kind: 'missing-field',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: JSON.stringify({ items: goodItems }),
  }),
  (n) => ({
    kind: 'unknown-field',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, goodItems, { [`extra${n}`]: true }),
  }),
  () => ({
    kind: 'prototype-pollution',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"customer":{"id":"p-1","email":"p@example.com"},"items":[{"sku":"CB-004","quantity":1}],"__proto__":{"admin":true}}',
  }),
  () => ({
    kind: 'prototype-pollution',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"customer":{"id":"p-2","email":"p@example.com","constructor":{"prototype":{"x":1}}},"items":[{"sku":"CB-004","quantity":1}]}',
  }),
  // injection strings and unicode in every field that takes text
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order({ id: INJECTIONS[n % INJECTIONS.length], email: 'i@example.com' }, goodItems),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order({ id: 'c-1', email: `hostile@${INJECTIONS[n % INJECTIONS.length]}` }, goodItems),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodCustomer, [{ sku: INJECTIONS[n % INJECTIONS.length], quantity: 1 }]),
  }),
  () => ({
    kind: 'nosql-operator',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order({ id: { $gt: '' }, email: 'n@example.com' }, goodItems),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: {
      ...JSON_TYPE,
      'idempotency-key': INJECTIONS[n % INJECTIONS.length]?.slice(0, 200).replace(/[^\x20-\x7e]/g, '?') ?? '',
    },
    body: order(goodCustomer, goodItems),
  }),
  // bad ids in paths
  (n) => ({
    kind: 'bad-id',
    method: 'GET',
    path: `/orders/${encodeURIComponent(INJECTIONS[n % INJECTIONS.length] ?? '')}`,
    headers: {},
  }),
  () => ({ kind: 'bad-id', method: 'GET', path: `/orders/${'a'.repeat(300)}`, headers: {} }),
  () => ({ kind: 'bad-id', method: 'GET', path: '/orders/..%2F..%2Fadmin', headers: {} }),
  (n) => ({ kind: 'unknown-order', method: 'GET', path: `/orders/no-such-order-${n}`, headers: {} }),
  (n) => ({
    kind: 'unknown-order',
    method: 'POST',
    path: `/orders/no-such-order-${n}/payments`,
    headers: JSON_TYPE,
    body: JSON.stringify({ amount: 100, currency: 'EUR', reference: `r-${n}` }),
  }),
  (n) => ({
    kind: 'wrong-type',
    method: 'POST',
    path: `/orders/no-such-order-${n}/payments`,
    headers: JSON_TYPE,
    body: JSON.stringify({ amount: '100', currency: 'euro', reference: '' }),
  }),
  (n) => ({
    kind: 'bad-query',
    method: 'GET',
    path: `/orders/x-${n}?minSeq=${['-1', 'abc', '1e400', '99999999999999999999'][n % 4]}`,
    headers: {},
  }),
  (n) => ({
    kind: 'bad-query',
    method: 'GET',
    path: `/customers/c-1/orders?limit=${['0', '-5', '100000', 'ten'][n % 4]}`,
    headers: {},
  }),
  () => ({
    kind: 'bad-query',
    method: 'GET',
    path: '/customers/c-1/orders?cursor=%7B%22%24gt%22%3A1%7D',
    headers: {},
  }),
  // broken bodies
  () => ({
    kind: 'malformed-json',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"customer": {"id": "c-1",',
  }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: '' }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: 'null' }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: '[]' }),
  () => ({
    kind: 'invalid-utf8',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"customer":{"id":"\udc00"}}',
  }),
  () => ({
    kind: 'deep-json',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
  }),
  () => ({
    kind: 'deep-json',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: `{"customer":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)},"items":[]}`,
  }),
  () => ({
    kind: 'huge-body',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: `{"customer":"${'x'.repeat(1_000_000)}"}`,
  }),
  () => ({
    kind: 'wrong-content-type',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'text/plain' },
    body: order(goodCustomer, goodItems),
  }),
  () => ({
    kind: 'wrong-content-type',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'customer=1&items=2',
  }),
  () => ({ kind: 'unknown-route', method: 'DELETE', path: '/orders', headers: {} }),
  () => ({ kind: 'unknown-route', method: 'GET', path: '/admin/../../etc/passwd', headers: {} }),
  () => ({
    kind: 'admin-without-key',
    method: 'POST',
    path: '/webhooks',
    headers: JSON_TYPE,
    body: JSON.stringify({ url: 'http://example.com', events: ['OrderCompleted'] }),
  }),
  () => ({
    kind: 'admin-without-key',
    method: 'POST',
    path: '/products/CB-004/stock-adjustments',
    headers: JSON_TYPE,
    body: JSON.stringify({ delta: 'lots', reason: 1 }),
  }),
];

/** `count` hostile requests, every template used in turn. */
export function hostileRequests(count: number): HostileRequest[] {
  return Array.from({ length: count }, (_, n) =>
    (TEMPLATES[n % TEMPLATES.length] as (n: number) => HostileRequest)(n),
  );
}
