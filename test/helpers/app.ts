import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { buildApp, type AppDeps } from '../../api/app';

/**
 * The API with the given parts and inert stand-ins for the rest (a test that reaches a stand-in it
 * did not give fails loudly): default queues and the 48 h / 24 h payment terms.
 */
export function testApp(parts: Partial<AppDeps> = {}): Promise<FastifyInstance> {
  return buildApp({
    temporal: {} as Client,
    db: {} as Db,
    redis: {} as Redis,
    ordersTaskQueue: 'orders',
    projectionsTaskQueue: 'projections',
    paymentTerms: { dueAfterMs: 48 * 3_600_000, reminderAfterMs: 24 * 3_600_000 },
    ...parts,
  });
}
