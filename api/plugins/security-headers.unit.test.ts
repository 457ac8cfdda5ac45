import { testApp } from '../../test/helpers/app';

/** What a browser on another site, or a page framing the API, gets from it. */
describe('security headers and closed CORS', () => {
  test('given any answer (a problem included), then it carries the security headers and no CORS permission', async () => {
    const app = await testApp();
    for (const url of ['/orders/no-such-order?consistency=bogus', '/docs', '/nowhere']) {
      const res = await app.inject({ method: 'GET', url, headers: { origin: 'https://evil.example' } });
      expect({ url, nosniff: res.headers['x-content-type-options'] }).toEqual({ url, nosniff: 'nosniff' });
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    await app.close();
  });

  test('given a cross-origin preflight, then nothing allows the request', async () => {
    const app = await testApp();
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/orders',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
    await app.close();
  });
});
