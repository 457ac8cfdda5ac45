import type { FastifyInstance } from 'fastify';
import { testApp } from '../test/helpers/app';
import { AS_ADMIN, AS_SUPPORT, asCustomer } from '../test/helpers/auth';
import { newPayloadKeys } from '../infra/payload-codec';
import { SESSION_COOKIE } from './auth/session';

const UI = 'http://127.0.0.1:8233';
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A payload as the Temporal UI sends it: JSON, metadata and data in base64. */
const clear = { metadata: { encoding: b64('json/plain') }, data: b64('{"email":"ada@example.com"}') };

describe('the codec server for the Web UI', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ secretKeys: newPayloadKeys('k1'), codecOrigins: [UI] });
  });
  afterAll(() => app.close());

  const post = (url: string, payloads: unknown[], headers: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      payload: { payloads },
      headers: { 'x-namespace': 'default', ...headers },
    });

  test('given a payload encoded by the codec, then support and admins read it decoded; customers and strangers do not', async () => {
    const encoded = await post('/codec/encode', [clear], AS_ADMIN);
    expect(encoded.statusCode).toBe(200);
    const [sealed] = encoded.json<{ payloads: { data: string; metadata: Record<string, string> }[] }>()
      .payloads;
    expect(Buffer.from(sealed?.data ?? '', 'base64').toString()).not.toContain('ada@example.com');
    expect(Buffer.from(sealed?.metadata.encoding ?? '', 'base64').toString()).toBe('binary/encrypted');
    for (const staff of [AS_SUPPORT, AS_ADMIN]) {
      const decoded = await post('/codec/decode', [sealed], staff);
      expect(decoded.json()).toEqual({ payloads: [clear] });
    }
    expect(
      (await post('/codec/decode', [sealed], asCustomer({ id: 'c-1', email: 'a@example.com' }))).statusCode,
    ).toBe(403);
    expect((await post('/codec/decode', [sealed], {})).statusCode).toBe(401);
  });

  test('given a payload under a key this ring does not hold, then it comes back as it was, the others decoded', async () => {
    const other = await testApp({ secretKeys: newPayloadKeys('retired') });
    const foreign = (await post('/codec/encode', [clear], AS_ADMIN)).json<{ payloads: unknown[] }>()
      .payloads[0];
    const unknown = (
      await other.inject({
        method: 'POST',
        url: '/codec/encode',
        payload: { payloads: [clear] },
        headers: AS_ADMIN,
      })
    ).json<{ payloads: unknown[] }>().payloads[0];
    await other.close();
    const decoded = await post('/codec/decode', [unknown, foreign], AS_SUPPORT);
    expect(decoded.json()).toEqual({ payloads: [unknown, clear] });
  });

  test("given the Web UI's origin, then CORS allows it with credentials; any other origin gets no CORS", async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace,authorization',
        },
      });
    const ui = await preflight(UI);
    expect(ui.statusCode).toBe(204);
    expect(ui.headers).toMatchObject({
      'access-control-allow-origin': UI,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST',
    });
    expect(String(ui.headers['access-control-allow-headers'])).toContain('authorization');
    const evil = await preflight('http://127.0.0.1:9999');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await post('/codec/decode', [clear], { ...AS_SUPPORT, origin: UI });
    expect(answer.headers['access-control-allow-origin']).toBe(UI);
  });

  test('given a session signed in with a staff token, then the cookie carries it to the codec and nowhere else', async () => {
    const signedIn = await app.inject({ method: 'POST', url: '/codec/session', headers: AS_SUPPORT });
    expect(signedIn.statusCode).toBe(204);
    const setCookie = String(signedIn.headers['set-cookie']);
    expect(setCookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[^;]+; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=\\d+`),
    );
    expect(Number(/Max-Age=(\d+)/.exec(setCookie)?.[1])).toBeGreaterThan(3600);
    const cookie = setCookie.split(';')[0] ?? '';
    expect((await post('/codec/decode', [clear], { cookie })).statusCode).toBe(200);
    // Elsewhere the cookie is no credential: the API takes only the Authorization header.
    expect((await app.inject({ method: 'GET', url: '/stats', headers: { cookie } })).statusCode).toBe(401);
    // A customer cannot sign in; signing out clears the cookie.
    const customer = asCustomer({ id: 'c-1', email: 'a@example.com' });
    expect((await app.inject({ method: 'POST', url: '/codec/session', headers: customer })).statusCode).toBe(
      403,
    );
    const out = await app.inject({ method: 'DELETE', url: '/codec/session' });
    expect(String(out.headers['set-cookie'])).toMatch(new RegExp(`^${SESSION_COOKIE}=; .*Max-Age=0`));
    // A forged cookie is refused like a forged header.
    expect((await post('/codec/decode', [clear], { cookie: `${SESSION_COOKIE}=forged` })).statusCode).toBe(
      401,
    );
  });
});
