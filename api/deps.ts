import type { FastifyBaseLogger } from 'fastify';
import type { Client } from '@temporalio/client';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import type { OrderChanges } from './order-changes';
import type { Tracing } from '../infra/tracing';
import type { Metrics } from '../infra/metrics';
import type { PayloadKeys } from '../infra/payload-codec';
import type { TokenSettings } from './auth/tokens';
import type { CommandTiming } from './workflow-commands';
import type { RateLimit } from './plugins/rate-limit';
import type { WebhookSettings } from '../activities/webhook-dispatch';
import type { PaymentTerms } from '../workflows/order';

/** What the HTTP app is built from: its clients of the stores and Temporal, and its settings. */
export interface AppDeps {
  temporal: Client;
  db: Db;
  redis: Redis;
  ordersTaskQueue: string;
  projectionsTaskQueue: string;
  paymentTerms: PaymentTerms;
  webhooks: WebhookSettings;
  /** how callers' bearer tokens are verified (api/auth) */
  auth: TokenSettings;
  /** the key ring webhook signing secrets are sealed with at rest (clear without one), and the codec server's */
  secretKeys?: PayloadKeys;
  /** the Web UI origins the codec server answers (CORS), e.g. http://127.0.0.1:8233 */
  codecOrigins?: readonly string[];
  /** this process's metrics (a fresh registry when not given) */
  metrics?: Metrics;
  /** bounds on waiting for the workflow (commands and strong reads) */
  commandTiming?: CommandTiming;
  /** the process's pino logger (none in tests) */
  logger?: FastifyBaseLogger;
  /** which proxies' X-Forwarded-For names the client (Fastify's trustProxy); none by default */
  trustProxy?: boolean | string[];
  /** bytes; larger bodies are refused with 413 */
  bodyLimit?: number;
  /** wakes `minSeq` reads when the projector announces a version (they poll without it) */
  changes?: OrderChanges;
  /** requests per client address and window; none: no limit (tests) */
  rateLimit?: RateLimit;
  /** a span per request, parent of what it does in Temporal (none: untraced) */
  tracing?: Tracing | null;
}

export const DEFAULT_COMMAND_TIMING: CommandTiming = { acceptWithinMs: 10_000, answerWithinMs: 5_000 };
