import { ConfigError, loadConfig, serviceUrls, webhookSettings } from './index';

describe('config', () => {
  test('given no variables, then loopback defaults and local server URLs', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ apiHost: '127.0.0.1', apiPort: 3000, temporalAddress: '127.0.0.1:7233' });
    expect(serviceUrls(c)).toEqual({
      mongodb: 'mongodb://127.0.0.1:27017/',
      redis: 'redis://127.0.0.1:6380',
      smtp: 'smtp://127.0.0.1:2525',
    });
  });

  test.each([
    ['API_PORT', 'abc'],
    ['API_PORT', '70000'],
    ['TEMPORAL_ADDRESS', 'no-port'],
    ['MONGODB_URL', 'http://example.test'],
    ['REDIS_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['PAYMENT_DUE_AFTER', '2 days'],
    ['PAYMENT_DUE_AFTER', '0h'],
    ['PAYMENT_REMINDER_AFTER', '-1h'],
    ['WEBHOOK_RETRY_WINDOW', 'forever'],
    ['WEBHOOK_ALLOW_LOOPBACK', 'yes'],
    ['WEBHOOK_MAX_RESPONSE_BYTES', '-5'],
    ['WEBHOOK_BACKOFF_INITIAL', '2h'],
    ['AUTH_JWT_SECRET', 'short'],
    ['AUTH_JWKS_URL', 'idp.example/keys'],
    ['AUTH_CLOCK_SKEW', 'a while'],
    ['TRUST_PROXY', 'the load balancer'],
    ['CODEC_CORS_ORIGINS', 'http://127.0.0.1:8233/path'],
    ['SMS_PROVIDER', 'pigeon'],
    ['SMS_URL', 'ftp://gateway.test'],
    ['TEMPORAL_TLS', 'yes'],
    ['TEMPORAL_TLS_CA', '/nonexistent/ca.pem'],
    ['TEMPORAL_TLS_CERT', __filename],
    ['TEMPORAL_TLS_KEY', __filename],
    ['TEMPORAL_API_KEY', 'short'],
  ])('given %s=%s, then start-up fails naming that variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  test('given no TLS variable, then plain gRPC; given any of them, then TLS with what was set', () => {
    expect(loadConfig({}).temporalTls).toBeUndefined();
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporalTls).toEqual({});
    expect(
      loadConfig({
        TEMPORAL_TLS_CA: __filename,
        TEMPORAL_TLS_CERT: __filename,
        TEMPORAL_TLS_KEY: __filename,
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }).temporalTls,
    ).toEqual({
      caPath: __filename,
      client: { certPath: __filename, keyPath: __filename },
      serverName: 'temporal.internal',
    });
    const cloud = loadConfig({ TEMPORAL_API_KEY: 'a-cloud-api-key-0123' });
    expect(cloud).toMatchObject({ temporalTls: {}, temporalApiKey: 'a-cloud-api-key-0123' });
  });

  test('given TEMPORAL_TLS=false with a certificate or an API key, then start-up fails naming TEMPORAL_TLS', () => {
    for (const set of [{ TEMPORAL_TLS_CA: __filename }, { TEMPORAL_API_KEY: 'a-cloud-api-key-0123' }]) {
      expect(() => loadConfig({ TEMPORAL_TLS: 'false', ...set })).toThrow(
        /^Invalid configuration: TEMPORAL_TLS is false/,
      );
    }
  });

  test('given no payment terms, then due after 48 h with the reminder at 24 h; units are read', () => {
    expect(loadConfig({})).toMatchObject({
      paymentDueAfterMs: 48 * 3_600_000,
      paymentReminderAfterMs: 24 * 3_600_000,
    });
    expect(loadConfig({ PAYMENT_DUE_AFTER: '90s', PAYMENT_REMINDER_AFTER: '1500ms' })).toMatchObject({
      paymentDueAfterMs: 90_000,
      paymentReminderAfterMs: 1500,
    });
  });

  test('given a reminder not before the due date, then start-up fails naming the reminder', () => {
    expect(() => loadConfig({ PAYMENT_DUE_AFTER: '1h', PAYMENT_REMINDER_AFTER: '2h' })).toThrow(
      /^Invalid configuration: PAYMENT_REMINDER_AFTER must be shorter than PAYMENT_DUE_AFTER/,
    );
  });

  test('given a URL with a password, when it is refused, then the password is not echoed', () => {
    let message = '';
    try {
      loadConfig({ MONGODB_URL: 'http://admin:s3cret@db.test' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid configuration: MONGODB_URL /);
    expect(message).not.toContain('s3cret');
  });

  test('given no webhook variables, then a 24 h window, 1 s → 1 h backoff, loopback refused', () => {
    const c = loadConfig({});
    expect(webhookSettings(c)).toEqual({
      taskQueue: 'webhooks',
      projectionsTaskQueue: 'projections',
      retry: { initialMs: 1_000, maxMs: 3_600_000, windowMs: 86_400_000 },
      outbound: { allowLoopback: false, timeoutMs: 10_000, maxResponseBytes: 65_536 },
      secretOverlapMs: 86_400_000,
    });
  });

  test('given the HTTP SMS provider without a URL, then start-up fails naming SMS_URL', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'http' })).toThrow(/^Invalid configuration: SMS_URL is required/);
    expect(loadConfig({ SMS_PROVIDER: 'http', SMS_URL: 'https://sms.test/send' })).toMatchObject({
      smsProvider: 'http',
      smsUrl: 'https://sms.test/send',
    });
    expect(loadConfig({}).smsProvider).toBe('log');
  });

  test('given a too short token secret, then the refusal does not echo it', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'hunter2' })).toThrow(/at least 32 characters/);
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });

  test('given token settings, then one key source, the defaults for the rest; none: no settings', () => {
    const secret = 's'.repeat(32);
    expect(loadConfig({ AUTH_JWT_SECRET: secret }).auth).toEqual({
      issuer: 'order-saga',
      audience: 'order-saga-api',
      clockSkewMs: 30_000,
      roleClaim: 'role',
      keys: { secret },
    });
    const idp = {
      AUTH_JWKS_URL: 'https://idp.example/.well-known/jwks.json',
      AUTH_ISSUER: 'https://idp.example/',
    };
    expect(loadConfig(idp).auth).toMatchObject({
      issuer: 'https://idp.example/',
      keys: { jwksUrl: idp.AUTH_JWKS_URL },
    });
    expect(() => loadConfig({ ...idp, AUTH_JWT_SECRET: secret })).toThrow(
      /AUTH_JWKS_URL and AUTH_JWT_SECRET are exclusive/,
    );
    expect(loadConfig({}).auth).toBeUndefined();
  });

  test('given payload keys, then the last listed is the active one unless PAYLOAD_KEY_ID names another', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const both = loadConfig({ PAYLOAD_KEYS: `k1:${k1},k2:${k2}` }).payloadKeys;
    expect(both?.activeId).toBe('k2');
    expect([...(both?.keys.keys() ?? [])]).toEqual(['k1', 'k2']);
    expect(
      loadConfig({ PAYLOAD_KEYS: `k1:${k1},k2:${k2}`, PAYLOAD_KEY_ID: 'k1' }).payloadKeys?.activeId,
    ).toBe('k1');
    expect(loadConfig({}).payloadKeys).toBeUndefined();
  });

  test.each([
    ['a key of 16 bytes', { PAYLOAD_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, 'PAYLOAD_KEYS'],
    [
      'the same id twice',
      { PAYLOAD_KEYS: `k1:${Buffer.alloc(32).toString('base64')},k1:${Buffer.alloc(32).toString('base64')}` },
      'PAYLOAD_KEYS',
    ],
    [
      'an active id not listed',
      { PAYLOAD_KEYS: `k1:${Buffer.alloc(32).toString('base64')}`, PAYLOAD_KEY_ID: 'k9' },
      'PAYLOAD_KEY_ID',
    ],
  ])('given %s, then start-up fails naming the variable and echoing no key', (_case, env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
    try {
      loadConfig(env);
    } catch (err) {
      expect((err as Error).message).not.toContain('AAAA');
    }
  });
});
