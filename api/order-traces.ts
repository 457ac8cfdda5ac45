import { context, propagation, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Tracing } from '../infra/tracing';

/** How long an order's trace is kept for its later commands: past any payment term in use. */
const KEPT_SECONDS = 60 * 24 * 3600;

const keyOf = (orderId: string) => `order-trace:${orderId}`;

/**
 * Each order's trace, so that its later commands (pay, cancel) join it: the placing request's span
 * context, kept in Redis by order id (any API process answers the next command). A command whose
 * order's trace is not found (Redis lost it) is traced on its own.
 */
export class OrderTraces {
  constructor(
    private readonly tracing: Tracing,
    private readonly redis: Redis,
  ) {}

  /**
   * Names the order on the current span (the placing request's: a tracing backend finds the trace by
   * `order.id`) and keeps it as the order's trace; a failure to keep it only costs the join.
   */
  async remember(orderId: string, log: FastifyBaseLogger): Promise<void> {
    trace.getActiveSpan()?.setAttribute('order.id', orderId);
    const carrier: Record<string, string> = {};
    propagation.inject(context.active(), carrier);
    if (!carrier.traceparent) return;
    await this.redis.set(keyOf(orderId), carrier.traceparent, 'EX', KEPT_SECONDS).catch((err: unknown) => {
      log.warn({ err, orderId }, 'the order trace was not kept; its later commands are traced apart');
    });
  }

  /**
   * Runs a command on the order as a span `name` in the order's trace, linked to the request that
   * sent it (whose own trace shows the HTTP side).
   */
  async within<T>(orderId: string, name: string, command: () => Promise<T>): Promise<T> {
    const parent = await this.orderContext(orderId);
    if (parent === null) return command();
    const request = trace.getActiveSpan()?.spanContext();
    return this.tracing.tracer.startActiveSpan(
      name,
      { links: request ? [{ context: request }] : [], attributes: { 'order.id': orderId } },
      parent,
      async (span) => {
        try {
          return await command();
        } finally {
          span.end();
        }
      },
    );
  }

  private async orderContext(orderId: string): Promise<Context | null> {
    const traceparent = await this.redis.get(keyOf(orderId)).catch(() => null);
    return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : null;
  }
}

/** What the routes use: the order traces with tracing on, pass-throughs without. */
export interface OrderTracing {
  remember(orderId: string, log: FastifyBaseLogger): Promise<void>;
  within<T>(orderId: string, name: string, command: () => Promise<T>): Promise<T>;
}

const UNTRACED: OrderTracing = {
  remember: async () => undefined,
  within: (_orderId, _name, command) => command(),
};

export const orderTracing = (deps: { tracing?: Tracing | null; redis: Redis }): OrderTracing =>
  deps.tracing ? new OrderTraces(deps.tracing, deps.redis) : UNTRACED;
