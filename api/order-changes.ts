import type { Redis } from 'ioredis';
import { ORDER_CHANGES_CHANNEL } from '../projections/orders/redis';

/** A wait for an order's hot document to reach a version; cancel it when the answer came otherwise. */
export interface ChangeWait {
  done: Promise<'changed' | 'timeout'>;
  cancel(): void;
}

/**
 * Wakes readers waiting for their own write (`GET /orders/:id?minSeq=`) the moment the projector
 * announces the order's new version on Redis pub/sub, instead of polling. One subscriber connection
 * per API process. Pub/sub is fire-and-forget: a missed message only means the reader's next poll
 * (its timeout) finds the write, so callers keep a bounded poll as the fallback.
 */
export class OrderChanges {
  private readonly waiters = new Map<string, Set<{ minSeq: number; wake: () => void }>>();

  constructor(private readonly subscriber: Redis) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== ORDER_CHANGES_CHANNEL) return;
      const space = message.lastIndexOf(' ');
      const orderId = message.slice(0, space);
      const version = Number(message.slice(space + 1));
      for (const w of this.waiters.get(orderId) ?? []) if (version >= w.minSeq) w.wake();
    });
    // ioredis subscribes again after a reconnect; while Redis is down, waits end at their timeout
    // (the reads themselves fall back to MongoDB and log the outage).
    subscriber.on('error', () => undefined);
    subscriber.subscribe(ORDER_CHANGES_CHANNEL).catch(() => undefined);
  }

  /** Resolves 'changed' once the order reaches `minSeq`, or 'timeout' after `timeoutMs`. */
  until(orderId: string, minSeq: number, timeoutMs: number): ChangeWait {
    let cancel = () => undefined as void;
    const done = new Promise<'changed' | 'timeout'>((resolve) => {
      const set = this.waiters.get(orderId) ?? new Set();
      this.waiters.set(orderId, set);
      const end = (how: 'changed' | 'timeout') => {
        clearTimeout(timer);
        set.delete(waiter);
        if (set.size === 0) this.waiters.delete(orderId);
        resolve(how);
      };
      const waiter = { minSeq, wake: () => end('changed') };
      const timer = setTimeout(() => end('timeout'), timeoutMs);
      set.add(waiter);
      cancel = () => end('timeout');
    });
    return { done, cancel };
  }

  /** orders with a reader waiting (for tests and metrics) */
  waiting(): number {
    return this.waiters.size;
  }

  close(): void {
    this.subscriber.disconnect();
  }
}
