import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../deps';
import { codecRoutes } from './codec';
import { deadLetterRoutes } from './dead-letters';
import { opsRoutes } from './health';
import { orderCommandRoutes } from './order-commands';
import { orderQueryRoutes } from './order-queries';
import { orderRoutes } from './orders';
import { productRoutes } from './products';
import { readQueryRoutes } from './read-queries';
import { webhookRoutes } from './webhooks';

/** Every route of the API, by resource; each file declares who may call its routes (`access`). */
export const ROUTES: readonly ((deps: AppDeps) => FastifyPluginAsync)[] = [
  orderRoutes,
  orderCommandRoutes,
  orderQueryRoutes,
  readQueryRoutes,
  productRoutes,
  webhookRoutes,
  deadLetterRoutes,
  codecRoutes,
  opsRoutes,
];
