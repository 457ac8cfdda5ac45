import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPI } from 'openapi-types';
import { testApp } from '../test/helpers/app';

describe('OpenAPI document', () => {
  test('given the app, then /docs/json is a valid OpenAPI 3 document listing every route, and /docs is a page', async () => {
    const app = await testApp();
    const res = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenAPI.Document & { paths: Record<string, object> }>();
    // A validator we did not write: throws on anything that is not valid OpenAPI.
    await SwaggerParser.validate(structuredClone(doc));
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/catalog',
      '/codec/decode',
      '/codec/encode',
      '/codec/session',
      '/customers/{id}/orders',
      '/dead-letters',
      '/dead-letters/{id}',
      '/dead-letters/{id}/redrive',
      '/health/live',
      '/health/ready',
      '/invoices/{id}',
      '/orders',
      '/orders/{id}',
      '/orders/{id}/cancel',
      '/orders/{id}/events',
      '/orders/{id}/payments',
      '/products',
      '/products/{sku}',
      '/products/{sku}/stock-adjustments',
      '/stats',
      '/webhooks',
      '/webhooks/{id}',
      '/webhooks/{id}/deliveries',
      '/webhooks/{id}/rotate-secret',
    ]);
    // The browsable UI and its assets are served locally (no CDN).
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    const css = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body).toContain('.swagger-ui');
    await app.close();
  });
});
