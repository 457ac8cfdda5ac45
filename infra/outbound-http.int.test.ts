import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkTarget, postJson, refusedRange, TargetRefused, type OutboundPolicy } from './outbound-http';

/** The outbound client against real sockets on 127.0.0.1. */
describe('outbound HTTP: SSRF guard, timeout, size cap, no redirects', () => {
  let server: Server;
  let base: string;
  const policy: OutboundPolicy = { allowLoopback: true, timeoutMs: 500, maxResponseBytes: 1024 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 5_000).unref();
      if (req.url === '/huge') return void res.end('x'.repeat(1_000_000));
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => res.writeHead(200, { 'retry-after': '7' }).end(`got ${body}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test.each([
    ['8.8.8.8', true, null],
    ['2001:4860:4860::8888', true, null],
    ['127.0.0.1', false, 'loopback'],
    ['127.0.0.1', true, null],
    ['::1', false, 'loopback'],
    ['10.0.0.1', true, 'private'],
    ['172.16.5.4', true, 'private'],
    ['192.168.1.1', true, 'private'],
    ['169.254.169.254', true, 'linkLocal'],
    ['fe80::1', true, 'linkLocal'],
    ['fc00::1', true, 'uniqueLocal'],
    ['::ffff:192.168.1.1', true, 'private'],
    ['100.64.0.1', true, 'carrierGradeNat'],
    ['0.0.0.0', true, 'unspecified'],
  ])('given %s (loopback allowed: %p), then refused as %p', (address, allowLoopback, range) => {
    expect(refusedRange(address, { allowLoopback })).toBe(range);
  });

  test('given a name resolving to loopback, then it is refused unless loopback is allowed', async () => {
    await expect(checkTarget('http://localhost:9/x', { allowLoopback: false })).rejects.toThrow(/loopback/);
    await expect(checkTarget('http://localhost:9/x', { allowLoopback: true })).resolves.toBeInstanceOf(URL);
    await expect(checkTarget('http://user:pw@example.com/x', { allowLoopback: true })).rejects.toThrow(
      /credentials/,
    );
  });

  test('given the call itself to a loopback name with loopback refused, then it never connects', async () => {
    const port = (server.address() as AddressInfo).port;
    await expect(
      postJson(`http://localhost:${port}/`, '{}', {}, { ...policy, allowLoopback: false }),
    ).rejects.toBeInstanceOf(TargetRefused);
    await expect(
      postJson(`http://127.0.0.1:${port}/`, '{}', {}, { ...policy, allowLoopback: false }),
    ).rejects.toThrow(/loopback/);
  });

  test('given a receiver, then the body and headers go through and the answer comes back', async () => {
    const res = await postJson(`${base}/ok`, '{"a":1}', { 'webhook-id': 'm1' }, policy);
    expect(res).toMatchObject({ status: 200, body: 'got {"a":1}', truncated: false });
    expect(res.headers['retry-after']).toBe('7');
  });

  test('given a receiver slower than the timeout, then the call fails at the timeout', async () => {
    const started = Date.now();
    await expect(postJson(`${base}/slow`, '{}', {}, policy)).rejects.toThrow(/no answer within 500 ms/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  test('given a huge answer, then only the cap is read', async () => {
    const res = await postJson(`${base}/huge`, '{}', {}, policy);
    expect(res).toMatchObject({ status: 200, truncated: true });
    expect(res.body).toHaveLength(1024);
  });

  test('given a redirect, then it is not followed', async () => {
    expect(await postJson(`${base}/redirect`, '{}', {}, policy)).toMatchObject({ status: 302 });
  });
});
