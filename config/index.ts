import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The one place that reads the environment. Every value is validated once, at start-up. */
export interface Config {
  apiHost: string;
  apiPort: number;
  temporalAddress: string;
  temporalNamespace: string;
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
  dataDir: string;
  cacheDir: string;
  logLevel: string;
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
  return {
    apiHost: str(env, 'API_HOST', '127.0.0.1'),
    apiPort: port(env, 'API_PORT', 3000),
    temporalAddress: hostPort(env, 'TEMPORAL_ADDRESS', `127.0.0.1:${temporalPort}`),
    temporalNamespace: str(env, 'TEMPORAL_NAMESPACE', 'default'),
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
