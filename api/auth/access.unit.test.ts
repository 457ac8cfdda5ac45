import { createServer, type Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { createSigner } from 'fast-jwt';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../../test/helpers/app';
import { AS_ADMIN, AS_SUPPORT, asCustomer, TEST_AUTH } from '../../test/helpers/auth';
import { signToken, type TokenSettings } from './tokens';

const sign = (
  claims: Record<string, unknown>,
  opts: { key?: string; aud?: string; iss?: string; exp?: number } = {},
) =>
  createSigner({
    key: opts.key ?? (TEST_AUTH.keys as { secret: string }).secret,
    iss: opts.iss ?? TEST_AUTH.issuer,
    aud: opts.aud ?? TEST_AUTH.audience,
    sub: 'c-1',
    ...(opts.exp === undefined && { expiresIn: 60_000 }),
  })({
    role: 'customer',
    email: 'c1@example.com',
    ...(opts.exp !== undefined && { exp: opts.exp }),
    ...claims,
  });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

/** A GET (of /stats, for staff only, by default) with the given headers. */
const statusOf = (app: FastifyInstance, headers: Record<string, string>, url = '/stats') =>
  app.inject({ method: 'GET', url, headers });

describe('bearer tokens', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  test.each([
    ['no Authorization header', {}, /needs a token/],
    ['a Basic credential', { authorization: 'Basic YWRtaW46YWRtaW4=' }, /Bearer/],
    ['a token that is not a JWT', bearer('not-a-jwt'), /malformed|invalid/i],
    [
      'a token signed with another secret',
      bearer(sign({}, { key: 'another-secret-0123456789-0123456789' })),
      /signature/,
    ],
    ['a token for another audience', bearer(sign({}, { aud: 'another-api' })), /aud/],
    ['a token of another issuer', bearer(sign({}, { iss: 'someone-else' })), /iss/],
    ['a token expired a minute ago (30 s skew)', bearer(sign({}, { exp: now() - 60 })), /expired/],
    [
      'an unsigned token (alg none)',
      bearer(
        `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'c-1', role: 'admin', iss: TEST_AUTH.issuer, aud: TEST_AUTH.audience, exp: now() + 60 })).toString('base64url')}.`,
      ),
      /.+/,
    ],
    ['a token without a role', bearer(sign({ role: undefined })), /role claim/],
    ['a token with two of our roles', bearer(sign({ role: ['customer', 'admin'] })), /several roles/],
    [
      'a customer token whose subject is not an id',
      bearer(
        createSigner({
          key: (TEST_AUTH.keys as { secret: string }).secret,
          iss: TEST_AUTH.issuer,
          aud: TEST_AUTH.audience,
          sub: 'a b/c',
          expiresIn: 60_000,
        })({ role: 'customer' }),
      ),
      /subject/,
    ],
  ])('given %s, then 401 problem+json with WWW-Authenticate, naming why', async (_name, headers, why) => {
    const res = await statusOf(app, headers, '/orders/o-1');
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="order-saga"/);
    const problem = res.json<{ detail: string; errors: { field: string }[] }>();
    expect(problem.errors[0]?.field).toBe('headers.authorization');
    expect(problem.detail).toMatch(why);
  });

  test('given a token expired 10 s ago, then the clock skew allowed (30 s) still accepts it', async () => {
    const res = await statusOf(app, bearer(sign({ role: 'admin' }, { exp: now() - 10 })), '/stats');
    // Past authentication and authorization: the inert stores of the test app answer 500.
    expect(res.statusCode).not.toBe(401);
    expect(res.statusCode).not.toBe(403);
  });

  test('given a role among roles of other applications, then it is the role', async () => {
    const res = await statusOf(app, bearer(sign({ role: ['viewer', 'support'] })), '/stats');
    expect([401, 403]).not.toContain(res.statusCode);
  });

  test('given a role the route does not allow, then 403 naming who may', async () => {
    const res = await statusOf(app, asCustomer({ id: 'c-1', email: 'c1@example.com' }), '/stats');
    expect(res.statusCode).toBe(403);
    expect(res.json<{ detail: string }>().detail).toContain('support, admin');
    for (const staff of [AS_SUPPORT, AS_ADMIN]) {
      const placed = await app.inject({
        method: 'POST',
        url: '/orders',
        headers: staff,
        payload: { items: [] },
      });
      expect(placed.statusCode).toBe(403);
    }
  });

  test('given a public route, then a bad token is not looked at', async () => {
    const res = await statusOf(app, bearer('garbage'), '/health/live');
    expect(res.statusCode).toBe(200);
  });

  test('given a refused token, then the body is not read: 401 even for a body past the limit', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/orders',
      headers: { 'content-type': 'application/json' },
      payload: `{"items":"${'x'.repeat(2 * 1024 * 1024)}"}`,
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('the route table', () => {
  test('given a route registered without an access declaration, then the app refuses to start, naming it', async () => {
    const app = await testApp();
    app.get('/forgotten', async () => ({ secret: true }));
    await expect(app.ready()).rejects.toThrow('routes without an access declaration: GET /forgotten');
    await app.close().catch(() => undefined);
  });

  test('every route of the API declares who may call it, and the OpenAPI document says it', async () => {
    const app = await testApp();
    await app.ready();
    const table = app.routeTable();
    expect(table.length).toBeGreaterThan(20);
    expect(table.filter((r) => r.access === undefined)).toEqual([]);
    const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { security?: unknown; description?: string }>>;
    }>();
    const stats = doc.paths['/stats']?.get;
    expect(stats?.security).toEqual([{ bearer: [] }]);
    expect(stats?.description).toContain('Who may call: support, admin.');
    expect(doc.paths['/catalog']?.get?.security).toBeUndefined();
    await app.close();
  });
});

describe("an identity provider's keys (JWKS)", () => {
  let server: Server;
  let jwksUrl: string;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fetched = 0;

  beforeAll(async () => {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' };
    server = createServer((req, res) => {
      fetched += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    jwksUrl = `http://127.0.0.1:${address.port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('given tokens signed by the provider, then they are verified with its published key, fetched once', async () => {
    const auth: TokenSettings = { ...TEST_AUTH, issuer: 'https://idp.example', keys: { jwksUrl } };
    const app = await testApp({ auth });
    const providerToken = (kid: string, role: string) =>
      createSigner({
        key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        algorithm: 'RS256',
        kid,
        iss: 'https://idp.example',
        aud: TEST_AUTH.audience,
        sub: 'idp-user-1',
        expiresIn: 60_000,
      })({ role });
    for (const role of ['support', 'admin']) {
      const res = await statusOf(app, bearer(providerToken('idp-1', role)));
      expect([401, 403]).not.toContain(res.statusCode);
    }
    expect(fetched).toBe(1);
    // A key the provider does not publish, and our own HS256 secret, are both refused.
    expect((await statusOf(app, bearer(providerToken('idp-unknown', 'admin')))).statusCode).toBe(401);
    const hs = signToken(TEST_AUTH, { sub: 'x', role: 'admin' });
    expect((await statusOf(app, bearer(hs))).statusCode).toBe(401);
    await app.close();
  });
});
