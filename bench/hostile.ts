/** One request a hostile or careless client sends, and what kind of trouble it is. */
export interface HostileRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const order = (items: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ items, ...extra });
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
    kind: 'identity-in-body',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodItems, { customer: { id: 'chaos-customer-0', email: 'victim@example.com' } }),
  }),
  () => ({
    kind: 'identity-in-body',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodItems, { customer: 'c-1' }),
  }),
  (n) => ({
    kind: 'wrong-type',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([{ sku: 'CB-004', quantity: String(n) }]),
  }),
  () => ({
    kind: 'wrong-type',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order({ sku: 'CB-004' }),
  }),
  (n) => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([{ sku: 'CB-004', quantity: [-1, 0, 1.5, 1e12, Number.MAX_SAFE_INTEGER][n % 5] }]),
  }),
  () => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([]),
  }),
  (n) => ({
    kind: 'out-of-range',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(Array.from({ length: 51 + (n % 10) }, () => ({ sku: 'CB-004', quantity: 1 }))),
  }),
  () => ({
    kind: 'missing-field',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: JSON.stringify({}),
  }),
  (n) => ({
    kind: 'unknown-field',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodItems, { [`extra${n}`]: true }),
  }),
  () => ({
    kind: 'prototype-pollution',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"items":[{"sku":"CB-004","quantity":1}],"__proto__":{"admin":true}}',
  }),
  () => ({
    kind: 'prototype-pollution',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"items":[{"sku":"CB-004","quantity":1,"constructor":{"prototype":{"x":1}}}]}',
  }),
  // injection strings and unicode in every field that takes text
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([{ sku: 'CB-004', quantity: 1, note: INJECTIONS[n % INJECTIONS.length] }]),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order(goodItems, { email: `hostile@${INJECTIONS[n % INJECTIONS.length]}` }),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([{ sku: INJECTIONS[n % INJECTIONS.length], quantity: 1 }]),
  }),
  () => ({
    kind: 'nosql-operator',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: order([{ sku: { $gt: '' }, quantity: 1 }]),
  }),
  (n) => ({
    kind: 'injection',
    method: 'POST',
    path: '/orders',
    headers: {
      ...JSON_TYPE,
      'idempotency-key': INJECTIONS[n % INJECTIONS.length]?.slice(0, 200).replace(/[^\x20-\x7e]/g, '?') ?? '',
    },
    body: order(goodItems),
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
    body: '{"items": [{"sku": "CB-004",',
  }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: '' }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: 'null' }),
  () => ({ kind: 'malformed-json', method: 'POST', path: '/orders', headers: JSON_TYPE, body: '[]' }),
  () => ({
    kind: 'invalid-utf8',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: '{"items":[{"sku":"\udc00","quantity":1}]}',
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
    body: `{"items":[${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}]}`,
  }),
  () => ({
    kind: 'huge-body',
    method: 'POST',
    path: '/orders',
    headers: JSON_TYPE,
    body: `{"items":"${'x'.repeat(1_000_000)}"}`,
  }),
  () => ({
    kind: 'wrong-content-type',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'text/plain' },
    body: order(goodItems),
  }),
  () => ({
    kind: 'wrong-content-type',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'items=2',
  }),
  () => ({ kind: 'unknown-route', method: 'DELETE', path: '/orders', headers: {} }),
  () => ({ kind: 'unknown-route', method: 'GET', path: '/admin/../../etc/passwd', headers: {} }),
  () => ({
    kind: 'admin-route-as-customer',
    method: 'POST',
    path: '/webhooks',
    headers: JSON_TYPE,
    body: JSON.stringify({ url: 'http://example.com', events: ['OrderCompleted'] }),
  }),
  () => ({
    kind: 'admin-route-as-customer',
    method: 'PATCH',
    path: '/products/CB-004',
    headers: JSON_TYPE,
    body: JSON.stringify({ price: 1 }),
  }),
  () => ({
    kind: 'admin-route-as-customer',
    method: 'POST',
    path: '/products/CB-004/stock-adjustments',
    headers: JSON_TYPE,
    body: JSON.stringify({ delta: -1000, reason: 'write it off' }),
  }),
  () => ({ kind: 'admin-route-as-customer', method: 'GET', path: '/stats', headers: {} }),
];

/** Who the hostile client is, the tokens it forges, and another customer's order it goes after. */
export interface HostileCallers {
  /** the Authorization header of the hostile client's own, valid customer token */
  customer: string;
  /** a support member's and an admin's tokens, for what their roles may not do */
  support: string;
  admin: string;
  /** tokens that must not be accepted, by what is wrong with them */
  forged: Record<string, string>;
  /** another customer's order (awaiting payment), its customer and its invoice */
  victim: { orderId: string; customerId: string };
}

/** Requests with the tokens of others or with forged ones: every one a 401, 403 or 404. */
function tokenAbuse(callers: HostileCallers): HostileRequest[] {
  const { orderId, customerId } = callers.victim;
  const pay = JSON.stringify({ amount: 1, currency: 'EUR', reference: 'stolen' });
  const targets: Omit<HostileRequest, 'kind' | 'headers'>[] = [
    { method: 'GET', path: `/orders/${orderId}` },
    { method: 'GET', path: `/orders/${orderId}?consistency=strong` },
    { method: 'GET', path: `/orders/${orderId}/events` },
    { method: 'GET', path: `/invoices/inv-${orderId}` },
    { method: 'GET', path: `/customers/${customerId}/orders` },
    { method: 'GET', path: `/orders?customerId=${customerId}` },
    { method: 'POST', path: `/orders/${orderId}/payments`, body: pay },
    { method: 'POST', path: `/orders/${orderId}/cancel`, body: JSON.stringify({ reason: 'not mine' }) },
  ];
  const as = (kind: string, authorization: string) =>
    targets.map((t) => ({ ...t, kind, headers: { ...JSON_TYPE, authorization } }));
  const placing = (kind: string, authorization: string): HostileRequest => ({
    kind,
    method: 'POST',
    path: '/orders',
    headers: { ...JSON_TYPE, authorization },
    body: order(goodItems),
  });
  return [
    ...as('other-customer', callers.customer),
    ...Object.entries(callers.forged).flatMap(([kind, token]) => [...as(kind, token), placing(kind, token)]),
    placing('staff-placing', callers.support),
    placing('staff-placing', callers.admin),
    {
      kind: 'support-cancelling',
      method: 'POST',
      path: `/orders/${orderId}/cancel`,
      headers: { ...JSON_TYPE, authorization: callers.support },
      body: JSON.stringify({ reason: 'x' }),
    },
    {
      kind: 'admin-paying',
      method: 'POST',
      path: `/orders/${orderId}/payments`,
      headers: { ...JSON_TYPE, authorization: callers.admin },
      body: pay,
    },
  ];
}

/**
 * `count` hostile requests, every template used in turn, sent with the hostile customer's own token
 * (so that they reach validation), then every abuse of tokens once.
 */
export function hostileRequests(count: number, callers: HostileCallers): HostileRequest[] {
  const malformed = Array.from({ length: count }, (_, n) => {
    const r = (TEMPLATES[n % TEMPLATES.length] as (n: number) => HostileRequest)(n);
    return { ...r, headers: { authorization: callers.customer, ...r.headers } };
  });
  return [...malformed, ...tokenAbuse(callers)];
}
