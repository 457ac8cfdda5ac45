import { createServer, type Server } from 'node:http';
import { freePort, type Service } from './process';
import { startLoadBalancer } from './load-balancer';
import { tempDir } from '../test/helpers/env';

/** nginx in front of two API stand-ins: what a client sees when one dies, and what nginx refuses itself. */
describe('the load balancer (nginx)', () => {
  const dir = tempDir('lb');
  const servers: Server[] = [];
  let lb: Service;
  let base: string;
  let ports: number[];

  const upstream = async (name: string) => {
    const port = await freePort();
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ from: name, forwardedFor: req.headers['x-forwarded-for'] ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    servers.push(server);
    return port;
  };

  beforeAll(async () => {
    ports = [await upstream('a'), await upstream('b')];
    const port = await freePort();
    lb = await startLoadBalancer({ dataDir: dir.path, port, upstreams: ports });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await lb.stop();
    for (const s of servers) s.close();
  });

  const get = async (path = '/orders/x') => {
    const res = await fetch(`${base}${path}`);
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body: (await res.json()) as Record<string, unknown>,
    };
  };

  test('given two API processes, then requests reach both, with the client address forwarded', async () => {
    const seen = new Set<unknown>();
    for (let i = 0; i < 6; i++) seen.add((await get()).body.from);
    expect(seen).toEqual(new Set(['a', 'b']));
    expect((await get()).body.forwardedFor).toBe('127.0.0.1');
  });

  test('given a request nginx cannot parse or a body past the limit, then problem+json like the API', async () => {
    const bad = await get('/orders/a%00b');
    expect(bad).toMatchObject({ status: 400, body: { status: 400, title: 'Invalid request' } });
    expect(bad.type).toContain('application/problem+json');
    const big = await fetch(`${base}/orders`, { method: 'POST', body: 'x'.repeat(300 * 1024) });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toContain('application/problem+json');
  });

  test('given one API process gone, then every GET is answered by the other; none left, a 503 problem', async () => {
    await new Promise<void>((resolve) => servers[0]?.close(() => resolve()));
    for (let i = 0; i < 6; i++) expect(await get()).toMatchObject({ status: 200, body: { from: 'b' } });
    await new Promise<void>((resolve) => servers[1]?.close(() => resolve()));
    const none = await get();
    expect(none).toMatchObject({ status: 503, body: { title: 'Service unavailable' } });
  });
});
