import type { Access, RouteRule } from '../../api/auth/access';
import { signToken } from '../../api/auth/tokens';
import { eventually } from '../helpers/poll';
import { AS_ADMIN, AS_SUPPORT, asCustomer, TEST_AUTH, type TestCustomer } from '../helpers/auth';
import { startTestStack, type TestStack } from '../helpers/stack';

/** A request for one route, and what a caller it allows gets. */
interface Fixture {
  url: string;
  body?: unknown;
  /** a customer's own: another customer gets 404, as for what does not exist */
  owned: boolean;
  /** the statuses of an allowed caller (2xx, or the 404 of an id that names nothing yet) */
  ok: number[];
}

type Who = 'owner' | 'other' | 'support' | 'admin';

const OWNER: TestCustomer = { id: 'acl-owner', email: 'owner@example.com' };
const OTHER: TestCustomer = { id: 'acl-other', email: 'other@example.com' };
const CALLERS: Record<Who, Record<string, string>> = {
  other: asCustomer(OTHER),
  support: AS_SUPPORT,
  admin: AS_ADMIN,
  owner: asCustomer(OWNER),
};
/** Refused before any rule is looked at. */
const secret = (TEST_AUTH.keys as { secret: string }).secret;
const BAD_TOKENS: Record<string, string> = {
  garbage: 'Bearer garbage',
  forged: `Bearer ${signToken({ ...TEST_AUTH, keys: { secret: `${secret}-forged` } }, { sub: OWNER.id, role: 'admin' })}`,
  expired: `Bearer ${signToken(TEST_AUTH, { sub: OWNER.id, role: 'admin', expiresAt: Math.floor(Date.now() / 1000) - 3600 })}`,
  'wrong audience': `Bearer ${signToken({ ...TEST_AUTH, audience: 'another-api' }, { sub: OWNER.id, role: 'admin' })}`,
};

const roleOf = (who: Who) => (who === 'owner' || who === 'other' ? 'customer' : who);

/** What `who` must get from a route with this rule. */
function expected(rule: Access, who: Who, f: Fixture): number[] {
  if (rule.anonymous) return f.ok;
  if (!rule.roles.includes(roleOf(who))) return [403];
  if (who === 'other' && f.owned) return [404];
  return f.ok;
}

/**
 * The route table, walked: every route registered in Fastify, called with no token, with refused
 * tokens, as another customer, as its customer, as support and as an admin, against the whole stack.
 * A route without a fixture here fails the test, as one without an access rule fails the app.
 */
describe('who may call what: every route × every kind of caller', () => {
  let stack: TestStack;
  let fixtures: Record<string, () => Promise<Fixture>>;
  let table: RouteRule[];

  const send = async (method: string, url: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${stack.base}${url}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      auth: res.headers.get('www-authenticate'),
      text,
    };
  };
  const placed = async (customer: TestCustomer) => {
    const res = await send('POST', '/orders', asCustomer(customer), {
      items: [{ sku: 'KB-001', quantity: 1 }],
    });
    const { orderId } = JSON.parse(res.text) as { orderId: string };
    return eventually(
      async () =>
        JSON.parse((await send('GET', `/orders/${orderId}`, AS_SUPPORT)).text) as {
          orderId: string;
          status: string;
          total: number;
          invoice: { invoiceId: string } | null;
        },
      (o) => o.status === 'AWAITING_PAYMENT',
    );
  };

  beforeAll(async () => {
    stack = await startTestStack('access');
    await stack.app.ready();
    table = stack.app.routeTable();
    const [read, toPay, toCancel] = [await placed(OWNER), await placed(OWNER), await placed(OWNER)];
    const product = { sku: 'ACL-1', name: 'Access lamp', price: 100, currency: 'EUR', stock: 10 };
    expect((await send('POST', '/products', AS_ADMIN, product)).status).toBe(201);
    let n = 0;
    const subscription = async () => {
      const res = await send('POST', '/webhooks', AS_ADMIN, {
        url: 'http://127.0.0.1:9/hook',
        events: ['OrderCompleted'],
      });
      return (JSON.parse(res.text) as { id: string }).id;
    };
    const kept = await subscription();
    const mine =
      (url: string, ok = [200]) =>
      async () => ({ url, owned: true, ok });
    const anyone =
      (url: string, ok = [200]) =>
      async () => ({ url, owned: false, ok });
    fixtures = {
      'GET /health/live': anyone('/health/live'),
      'GET /health/ready': anyone('/health/ready'),
      'GET /docs/': anyone('/docs/', [200, 302]),
      'GET /docs/json': anyone('/docs/json'),
      'GET /docs/yaml': anyone('/docs/yaml'),
      'GET /docs/static/index.html': anyone('/docs/static/index.html', [302]), // to /docs/
      'GET /docs/static/swagger-initializer.js': anyone('/docs/static/swagger-initializer.js'),
      'GET /docs/static/*': anyone('/docs/static/swagger-ui.css'),
      'GET /catalog': anyone('/catalog'),
      'GET /products/:sku': anyone('/products/ACL-1'),
      'POST /orders': async () => ({
        url: '/orders',
        body: { items: [{ sku: 'ACL-1', quantity: 1 }] },
        owned: false,
        ok: [202],
      }),
      'GET /orders': mine(`/orders?customerId=${OWNER.id}`),
      'GET /orders/:id': mine(`/orders/${read.orderId}`),
      'GET /orders/:id/events': mine(`/orders/${read.orderId}/events`),
      'POST /orders/:id/payments': async () => ({
        url: `/orders/${toPay.orderId}/payments`,
        body: { amount: toPay.total, currency: 'EUR', reference: `tx-${toPay.orderId}` },
        owned: true,
        ok: [200, 202],
      }),
      'POST /orders/:id/cancel': async () => ({
        url: `/orders/${toCancel.orderId}/cancel`,
        body: { reason: 'access matrix' },
        owned: true,
        ok: [200, 202],
      }),
      'GET /invoices/:id': mine(`/invoices/${read.invoice?.invoiceId ?? 'none'}`),
      'GET /customers/:id/orders': mine(`/customers/${OWNER.id}/orders`),
      'GET /stats': anyone('/stats'),
      'POST /products': async () => ({
        url: '/products',
        body: { ...product, sku: `ACL-N${n++}` },
        owned: false,
        ok: [201],
      }),
      'PATCH /products/:sku': async () => ({
        url: '/products/ACL-1',
        body: { price: 100 + n++ },
        owned: false,
        ok: [200],
      }),
      'POST /products/:sku/stock-adjustments': async () => ({
        url: '/products/ACL-1/stock-adjustments',
        body: { delta: 1, reason: 'access matrix' },
        owned: false,
        ok: [200],
      }),
      'POST /webhooks': async () => ({
        url: '/webhooks',
        body: { url: 'http://127.0.0.1:9/hook', events: ['OrderCompleted'] },
        owned: false,
        ok: [201],
      }),
      'GET /webhooks': anyone('/webhooks'),
      'DELETE /webhooks/:id': async () => ({
        url: `/webhooks/${await subscription()}`,
        owned: false,
        ok: [204],
      }),
      'POST /webhooks/:id/rotate-secret': anyone(`/webhooks/${kept}/rotate-secret`),
      'GET /webhooks/:id/deliveries': anyone(`/webhooks/${kept}/deliveries`),
      'GET /dead-letters': anyone('/dead-letters'),
      'OPTIONS /codec/decode': anyone('/codec/decode', [204]),
      'OPTIONS /codec/encode': anyone('/codec/encode', [204]),
      'POST /codec/decode': async () => ({
        url: '/codec/decode',
        body: { payloads: [] },
        owned: false,
        ok: [200],
      }),
      'POST /codec/encode': async () => ({
        url: '/codec/encode',
        body: { payloads: [] },
        owned: false,
        ok: [200],
      }),
      'POST /codec/session': anyone('/codec/session', [204]),
      'DELETE /codec/session': anyone('/codec/session', [204]),
      'GET /codec/login': anyone('/codec/login'),
      'GET /codec/login.js': anyone('/codec/login.js'),
      // No dead letter exists here: an allowed caller reaches the handler, which finds none.
      'GET /dead-letters/:id': anyone('/dead-letters/ntf_none', [404]),
      'POST /dead-letters/:id/redrive': anyone('/dead-letters/ntf_none/redrive', [404]),
    };
  }, 180_000);

  afterAll(() => stack?.stop(), 60_000);

  test('every registered route has an access rule and a fixture here', () => {
    const routes = table.filter((r) => r.method !== 'HEAD');
    expect(routes.filter((r) => r.access === undefined).map((r) => `${r.method} ${r.url}`)).toEqual([]);
    expect(routes.map((r) => `${r.method} ${r.url}`).filter((k) => !(k in fixtures))).toEqual([]);
    const registered = new Set(routes.map((r) => `${r.method} ${r.url}`));
    expect(Object.keys(fixtures).filter((k) => !registered.has(k))).toEqual([]);
  });

  test('given each route, then no token and refused tokens get 401, other roles 403, another customer 404, its customer, support and admin what the route gives', async () => {
    const seen: string[] = [];
    const wrong: string[] = [];
    for (const route of table) {
      const rule = route.access as Access;
      const fixtureOf = fixtures[`${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`];
      if (!fixtureOf) continue; // reported by the test above
      const attempt = async (name: string, headers: Record<string, string>, want: number[]) => {
        const f = await fixtureOf();
        const res = await send(route.method, f.url, headers, f.body);
        const line = `${route.method} ${route.url} as ${name}: ${res.status}`;
        seen.push(line);
        if (!want.includes(res.status))
          wrong.push(`${line}, wanted ${want.join('/')} ${res.text.slice(0, 120)}`);
        if (
          res.status >= 400 &&
          route.method !== 'HEAD' &&
          !res.type.startsWith('application/problem+json')
        ) {
          wrong.push(`${line} is not problem+json`);
        }
        if (res.status === 401 && !res.auth?.startsWith('Bearer'))
          wrong.push(`${line} without WWW-Authenticate`);
      };
      const sample = await fixtureOf();
      await attempt('nobody', {}, rule.anonymous ? sample.ok : [401]);
      for (const [name, token] of Object.entries(BAD_TOKENS)) {
        await attempt(`a ${name} token`, { authorization: token }, rule.anonymous ? sample.ok : [401]);
      }
      for (const who of ['other', 'support', 'admin', 'owner'] as const) {
        await attempt(who, CALLERS[who], expected(rule, who, sample));
      }
    }
    expect(wrong).toEqual([]);
    expect(seen.length).toBeGreaterThan(table.length * 8);
  }, 180_000);
});
