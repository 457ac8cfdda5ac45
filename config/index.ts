import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { WebhookSettings } from '../activities/webhook-dispatch';
import type { PayloadKeys } from '../infra/payload-codec';
import type { TokenSettings } from '../api/auth/tokens';

/** The one place that reads the environment. Every value is validated once, at start-up. */
export interface Config {
  apiHost: string;
  apiPort: number;
  temporalAddress: string;
  temporalNamespace: string;
  /**
   * TLS to Temporal (a server that asks for TLS or mTLS, Temporal Cloud): TEMPORAL_TLS=true, or implied
   * by any of TEMPORAL_TLS_CA, TEMPORAL_TLS_CERT with TEMPORAL_TLS_KEY, TEMPORAL_TLS_SERVER_NAME,
   * TEMPORAL_API_KEY. Unset: plain gRPC, as the local dev server speaks.
   */
  temporalTls: TemporalTls | undefined;
  /** TEMPORAL_API_KEY: Temporal Cloud's API key, sent as a bearer token (over TLS only) */
  temporalApiKey: string | undefined;
  temporalUiPort: number;
  ordersTaskQueue: string;
  projectionsTaskQueue: string;
  mongodbUrl: string | undefined;
  mongodbDb: string;
  mongoPort: number;
  redisUrl: string | undefined;
  redisPort: number;
  smtpUrl: string | undefined;
  smtpPort: number;
  mailboxPort: number;
  mailFrom: string;
  /** payment is due this long after the invoice (PAYMENT_DUE_AFTER, default 48h) */
  paymentDueAfterMs: number;
  /** the reminder goes out this long after the invoice (PAYMENT_REMINDER_AFTER, default 24h) */
  paymentReminderAfterMs: number;
  /**
   * How callers' bearer tokens are verified: AUTH_JWT_SECRET (HS256, at least 32 characters) or
   * AUTH_JWKS_URL (the identity provider's keys), AUTH_ISSUER, AUTH_AUDIENCE, AUTH_CLOCK_SKEW (30s),
   * AUTH_ROLE_CLAIM (role). Unset, the API does not start.
   */
  auth: TokenSettings | undefined;
  /** CODEC_CORS_ORIGINS: the Temporal Web UI origins (comma-separated) the codec server answers */
  codecOrigins: string[];
  /**
   * PAYLOAD_KEYS (`id:base64,…`, 32-byte keys) and PAYLOAD_KEY_ID (the one new payloads use; default the
   * last listed): every payload Temporal stores is encrypted with them. Unset, payloads are stored clear.
   */
  payloadKeys: PayloadKeys | undefined;
  webhooksTaskQueue: string;
  /** WEBHOOK_RETRY_WINDOW (24h): a delivery failing for this long becomes a dead letter */
  webhookRetryWindowMs: number;
  /** WEBHOOK_BACKOFF_INITIAL (1s) and WEBHOOK_BACKOFF_MAX (1h): the first and the longest wait */
  webhookBackoffInitialMs: number;
  webhookBackoffMaxMs: number;
  /** WEBHOOK_TIMEOUT (10s): one request, connect to last byte */
  webhookTimeoutMs: number;
  /** WEBHOOK_MAX_RESPONSE_BYTES (65536): of a receiver's answer, read at most */
  webhookMaxResponseBytes: number;
  /** WEBHOOK_ALLOW_LOOPBACK (false): targets on 127.0.0.0/8 or ::1 allowed, for local use and tests */
  webhookAllowLoopback: boolean;
  /** WEBHOOK_SECRET_OVERLAP (24h): secrets replaced by a rotation keep signing this long */
  webhookSecretOverlapMs: number;
  /** SMS_PROVIDER: `log` (default: masked numbers in the worker log) or `http` (POST to SMS_URL) */
  smsProvider: 'log' | 'http';
  smsUrl: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT (none: no tracing): where every process sends its spans (OTLP/HTTP) */
  otlpEndpoint: string | undefined;
  /** SMS_TOKEN: Bearer token for the gateway */
  smsToken: string | undefined;
  /** a worker's operations port (/metrics, /health/*): OPS_HOST (127.0.0.1) and OPS_PORT (9464) */
  opsHost: string;
  opsPort: number;
  /** WORKER_SHUTDOWN_GRACE (30s): on SIGTERM a worker stops polling and lets running activities finish this long */
  workerShutdownGraceMs: number;
  /**
   * MONGO_SOCKET_TIMEOUT (30s): how long a MongoDB operation may wait for the store's answer before it
   * fails (and its activity is retried); without it a hung store kept every activity slot for good
   */
  mongoSocketTimeoutMs: number;
  /** RECONCILE_EVERY (1m): how often the reconciliation's Temporal Schedule closes abandoned orders */
  reconcileEveryMs: number;
  /** RATE_LIMIT_MAX (6000) requests per caller (token subject, else address) per RATE_LIMIT_WINDOW (1m); 0: off */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /**
   * TRUST_PROXY (false): whose X-Forwarded-For names the client (for the rate limit and the logs):
   * `true` (any), or the proxies' addresses and CIDRs, comma-separated
   */
  trustProxy: boolean | string[];
  /** API_SHUTDOWN_GRACE (10s): on SIGTERM the API answers requests in flight this long, then drops what is left */
  apiShutdownGraceMs: number;
  /** the Temporal SDK's own Prometheus metrics of a worker: SDK_METRICS_PORT (9465) */
  sdkMetricsPort: number;
  dataDir: string;
  cacheDir: string;
  logLevel: string;
}

/** How the processes check Temporal's certificate and prove themselves to it; PEM files, read at connect. */
export interface TemporalTls {
  /** TEMPORAL_TLS_CA: the CA that signs the server's certificate (default: the system's CAs) */
  caPath?: string;
  /** TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: the client's certificate and key, for mTLS (both or neither) */
  client?: { certPath: string; keyPath: string };
  /** TEMPORAL_TLS_SERVER_NAME: the name the server's certificate must carry (default: the address's host) */
  serverName?: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string): string {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  return value;
}

function optionalUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be a URL, got "${redact(value)}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 65535) {
    throw new ConfigError(name, `must be a port number 1..65535, got "${raw}"`);
  }
  return n;
}

function hostPort(env: Env, name: string, fallback: string): string {
  const value = str(env, name, fallback);
  if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(value)) {
    throw new ConfigError(name, `must be host:port, got "${value}"`);
  }
  return value;
}

function oneOf(env: Env, name: string, allowed: string[], fallback: string): string {
  const value = str(env, name, fallback);
  if (!allowed.includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const value = str(env, name, String(fallback));
  if (value !== 'true' && value !== 'false')
    throw new ConfigError(name, `must be true or false, got "${value}"`);
  return value === 'true';
}

/** A whole number of up to ten digits; 0 only where it means something (`zero: true`). */
function integer(env: Env, name: string, fallback: number, { zero = false } = {}): number {
  const raw = str(env, name, String(fallback));
  if (!(/^[1-9]\d{0,9}$/.test(raw) || (zero && raw === '0'))) {
    throw new ConfigError(name, `must be ${zero ? '0 or ' : ''}a positive integer, got "${raw}"`);
  }
  return Number(raw);
}

/** A secret: absent, or long enough; never echoed. */
function secret(env: Env, name: string, minLength: number): string | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (value.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long`);
  return value;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `48h`, `90m`, `30s`, `2d` or `1500ms`. */
function duration(env: Env, name: string, fallback: string): number {
  const value = str(env, name, fallback);
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value);
  const ms = match ? Number(match[1]) * (UNIT_MS[match[2] as string] as number) : 0;
  if (ms <= 0) {
    throw new ConfigError(name, `must be a positive duration such as 48h, 90m, 30s, got "${value}"`);
  }
  return ms;
}

/** PAYLOAD_KEYS and PAYLOAD_KEY_ID; the key material is never echoed in an error. */
function payloadKeys(env: Env): PayloadKeys | undefined {
  const raw = str(env, 'PAYLOAD_KEYS', '');
  if (raw === '') return undefined;
  const keys = new Map<string, Buffer>();
  for (const entry of raw.split(',')) {
    const [id = '', material = ''] = entry.trim().split(':');
    const key = Buffer.from(material, 'base64');
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(id) || key.length !== 32 || keys.has(id)) {
      throw new ConfigError(
        'PAYLOAD_KEYS',
        'must be id:base64 pairs of distinct ids and 32-byte keys, comma-separated',
      );
    }
    keys.set(id, key);
  }
  const activeId = str(env, 'PAYLOAD_KEY_ID', [...keys.keys()].at(-1) ?? '');
  if (!keys.has(activeId))
    throw new ConfigError('PAYLOAD_KEY_ID', `must be one of the ids in PAYLOAD_KEYS, got "${activeId}"`);
  return { activeId, keys };
}

/** TRUST_PROXY: true, false, or the proxies' addresses and CIDRs. */
function trustProxy(env: Env): boolean | string[] {
  const raw = str(env, 'TRUST_PROXY', 'false');
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const list = raw.split(',').map((a) => a.trim());
  if (list.some((a) => !/^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(a))) {
    throw new ConfigError('TRUST_PROXY', `must be true, false or addresses/CIDRs, got "${raw}"`);
  }
  return list;
}

/** Comma-separated origins (scheme://host[:port], nothing after). */
function origins(env: Env, name: string): string[] {
  const list = str(env, name, '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const o of list) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o)) {
      throw new ConfigError(name, `must be origins such as http://127.0.0.1:8233, got "${o}"`);
    }
  }
  return list;
}

/** AUTH_*: one key source, a shared secret or the identity provider's key set, never both. */
function tokenSettings(env: Env): TokenSettings | undefined {
  const secretKey = secret(env, 'AUTH_JWT_SECRET', 32);
  const jwksUrl = optionalUrl(env, 'AUTH_JWKS_URL', ['https:', 'http:']);
  if (secretKey !== undefined && jwksUrl !== undefined) {
    throw new ConfigError('AUTH_JWKS_URL', 'and AUTH_JWT_SECRET are exclusive: set one');
  }
  const checks = {
    issuer: str(env, 'AUTH_ISSUER', 'order-saga'),
    audience: str(env, 'AUTH_AUDIENCE', 'order-saga-api'),
    clockSkewMs: duration(env, 'AUTH_CLOCK_SKEW', '30s'),
    roleClaim: str(env, 'AUTH_ROLE_CLAIM', 'role'),
  };
  if (secretKey !== undefined) return { ...checks, keys: { secret: secretKey } };
  if (jwksUrl !== undefined) return { ...checks, keys: { jwksUrl } };
  return undefined;
}

/** A file the process must be able to read (a certificate, a key); its path is echoed, never its content. */
function readableFile(env: Env, name: string): string | undefined {
  const path = env[name];
  if (path === undefined || path === '') return undefined;
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ConfigError(name, `must be a readable file, got "${path}"`);
  }
  return path;
}

/** TEMPORAL_TLS*: TLS when asked for or implied; refused where it would contradict itself. */
function temporalTls(env: Env, apiKey: string | undefined): TemporalTls | undefined {
  const caPath = readableFile(env, 'TEMPORAL_TLS_CA');
  const certPath = readableFile(env, 'TEMPORAL_TLS_CERT');
  const keyPath = readableFile(env, 'TEMPORAL_TLS_KEY');
  const serverName = str(env, 'TEMPORAL_TLS_SERVER_NAME', '') || undefined;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const [set, missing] = certPath
      ? ['TEMPORAL_TLS_CERT', 'TEMPORAL_TLS_KEY']
      : ['TEMPORAL_TLS_KEY', 'TEMPORAL_TLS_CERT'];
    throw new ConfigError(set, `is set without ${missing}: a client certificate needs its key`);
  }
  const implied = [caPath, certPath, serverName, apiKey].some((v) => v !== undefined);
  const raw = env.TEMPORAL_TLS;
  if (raw === 'false' && implied) {
    throw new ConfigError('TEMPORAL_TLS', 'is false while a certificate, a server name or an API key is set');
  }
  if (!(bool(env, 'TEMPORAL_TLS', false) || implied)) return undefined;
  return {
    ...(caPath ? { caPath } : {}),
    ...(certPath && keyPath ? { client: { certPath, keyPath } } : {}),
    ...(serverName ? { serverName } : {}),
  };
}

/** Hides credentials in a URL so that a bad value can be echoed safely. */
export function redact(value: string): string {
  return value.replace(/\/\/([^@/]*)@/, '//***@');
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(str(env, 'DATA_DIR', 'data'));
  const temporalPort = port(env, 'TEMPORAL_PORT', 7233);
  const paymentDueAfterMs = duration(env, 'PAYMENT_DUE_AFTER', '48h');
  const paymentReminderAfterMs = duration(env, 'PAYMENT_REMINDER_AFTER', '24h');
  if (paymentReminderAfterMs >= paymentDueAfterMs) {
    throw new ConfigError('PAYMENT_REMINDER_AFTER', 'must be shorter than PAYMENT_DUE_AFTER');
  }
  const webhookBackoffInitialMs = duration(env, 'WEBHOOK_BACKOFF_INITIAL', '1s');
  const webhookBackoffMaxMs = duration(env, 'WEBHOOK_BACKOFF_MAX', '1h');
  if (webhookBackoffInitialMs > webhookBackoffMaxMs) {
    throw new ConfigError('WEBHOOK_BACKOFF_INITIAL', 'must not be longer than WEBHOOK_BACKOFF_MAX');
  }
  const smsProvider = oneOf(env, 'SMS_PROVIDER', ['log', 'http'], 'log') as Config['smsProvider'];
  const smsUrl = optionalUrl(env, 'SMS_URL', ['http:', 'https:']);
  const otlpEndpoint = optionalUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:']);
  const temporalApiKey = secret(env, 'TEMPORAL_API_KEY', 16);
  if (smsProvider === 'http' && smsUrl === undefined) {
    throw new ConfigError('SMS_URL', 'is required when SMS_PROVIDER=http');
  }
  return {
    apiHost: str(env, 'API_HOST', '127.0.0.1'),
    apiPort: port(env, 'API_PORT', 3000),
    temporalAddress: hostPort(env, 'TEMPORAL_ADDRESS', `127.0.0.1:${temporalPort}`),
    temporalNamespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
    temporalTls: temporalTls(env, temporalApiKey),
    temporalApiKey,
    temporalUiPort: port(env, 'TEMPORAL_UI_PORT', 8233),
    ordersTaskQueue: str(env, 'ORDERS_TASK_QUEUE', 'orders'),
    projectionsTaskQueue: str(env, 'PROJECTIONS_TASK_QUEUE', 'projections'),
    mongodbUrl: optionalUrl(env, 'MONGODB_URL', ['mongodb:', 'mongodb+srv:']),
    mongodbDb: str(env, 'MONGODB_DB', 'orders'),
    mongoPort: port(env, 'MONGO_PORT', 27017),
    redisUrl: optionalUrl(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisPort: port(env, 'REDIS_PORT', 6380),
    smtpUrl: optionalUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    smtpPort: port(env, 'SMTP_PORT', 2525),
    mailboxPort: port(env, 'MAILBOX_PORT', 8025),
    mailFrom: str(env, 'MAIL_FROM', 'Order Service <orders@example.test>'),
    paymentDueAfterMs,
    paymentReminderAfterMs,
    auth: tokenSettings(env),
    codecOrigins: origins(env, 'CODEC_CORS_ORIGINS'),
    payloadKeys: payloadKeys(env),
    webhooksTaskQueue: str(env, 'WEBHOOKS_TASK_QUEUE', 'webhooks'),
    webhookRetryWindowMs: duration(env, 'WEBHOOK_RETRY_WINDOW', '24h'),
    webhookBackoffInitialMs,
    webhookBackoffMaxMs,
    webhookTimeoutMs: duration(env, 'WEBHOOK_TIMEOUT', '10s'),
    webhookMaxResponseBytes: integer(env, 'WEBHOOK_MAX_RESPONSE_BYTES', 65536),
    webhookAllowLoopback: bool(env, 'WEBHOOK_ALLOW_LOOPBACK', false),
    webhookSecretOverlapMs: duration(env, 'WEBHOOK_SECRET_OVERLAP', '24h'),
    smsProvider,
    smsUrl,
    otlpEndpoint,
    smsToken: secret(env, 'SMS_TOKEN', 8),
    opsHost: str(env, 'OPS_HOST', '127.0.0.1'),
    workerShutdownGraceMs: duration(env, 'WORKER_SHUTDOWN_GRACE', '30s'),
    reconcileEveryMs: duration(env, 'RECONCILE_EVERY', '1m'),
    mongoSocketTimeoutMs: duration(env, 'MONGO_SOCKET_TIMEOUT', '30s'),
    apiShutdownGraceMs: duration(env, 'API_SHUTDOWN_GRACE', '10s'),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 6000, { zero: true }),
    rateLimitWindowMs: duration(env, 'RATE_LIMIT_WINDOW', '1m'),
    trustProxy: trustProxy(env),
    opsPort: port(env, 'OPS_PORT', 9464),
    sdkMetricsPort: port(env, 'SDK_METRICS_PORT', 9465),
    dataDir,
    cacheDir: str(
      env,
      'ORDER_SAGA_CACHE',
      join(str(env, 'XDG_CACHE_HOME', join(homedir(), '.cache')), 'order-saga'),
    ),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], 'info'),
  };
}

/** The URLs the processes use: given ones win, else the locally started servers. */
export function serviceUrls(config: Config): { mongodb: string; redis: string; smtp: string } {
  return {
    mongodb: config.mongodbUrl ?? `mongodb://127.0.0.1:${config.mongoPort}/`,
    redis: config.redisUrl ?? `redis://127.0.0.1:${config.redisPort}`,
    smtp: config.smtpUrl ?? `smtp://127.0.0.1:${config.smtpPort}`,
  };
}

/** The webhook settings the API, the projector and the webhook worker share. */
export function webhookSettings(config: Config): WebhookSettings {
  return {
    taskQueue: config.webhooksTaskQueue,
    projectionsTaskQueue: config.projectionsTaskQueue,
    retry: {
      initialMs: config.webhookBackoffInitialMs,
      maxMs: config.webhookBackoffMaxMs,
      windowMs: config.webhookRetryWindowMs,
    },
    outbound: {
      allowLoopback: config.webhookAllowLoopback,
      timeoutMs: config.webhookTimeoutMs,
      maxResponseBytes: config.webhookMaxResponseBytes,
    },
    secretOverlapMs: config.webhookSecretOverlapMs,
  };
}
