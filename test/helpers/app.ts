import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { buildApp } from '../../api/app';
import type { AppDeps } from '../../api/deps';
import type { WebhookSettings } from '../../activities/webhook-dispatch';
import { TEST_AUTH } from './auth';

/** Webhook settings for tests: receivers on loopback allowed, short timeouts, seconds-long retry window. */
export const TEST_WEBHOOKS: WebhookSettings = {
  taskQueue: 'webhooks',
  projectionsTaskQueue: 'projections',
  retry: { initialMs: 200, maxMs: 1_000, windowMs: 30_000 },
  outbound: { allowLoopback: true, timeoutMs: 2_000, maxResponseBytes: 64 * 1024 },
  secretOverlapMs: 3_600_000,
};

/**
 * The API with the given parts and inert stand-ins for the rest (a test that reaches a stand-in it
 * did not give fails loudly): default queues, the 48 h / 24 h payment terms, test webhook settings.
 */
export function testApp(parts: Partial<AppDeps> = {}): Promise<FastifyInstance> {
  return buildApp({
    temporal: {} as Client,
    db: {} as Db,
    redis: {} as Redis,
    ordersTaskQueue: 'orders',
    projectionsTaskQueue: 'projections',
    paymentTerms: { dueAfterMs: 48 * 3_600_000, reminderAfterMs: 24 * 3_600_000 },
    webhooks: TEST_WEBHOOKS,
    auth: TEST_AUTH,
    ...parts,
  });
}
