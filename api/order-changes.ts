import type { Redis } from 'ioredis';
import { ORDER_CHANGES_CHANNEL } from '../projections/orders/redis';

/** An answer as sent, and the customer whose order it is. */
export interface KeptAnswer {
  version: number;
  body: string;
  owner: string;
}

/** A wait for an order's hot document to reach a version; cancel it when the answer came otherwise. */
export interface ChangeWait {
  done: Promise<'changed' | 'timeout'>;
  cancel(): void;
}

/**
 * Follows the projector's announcements of each order's new version on Redis pub/sub (one subscriber
 * connection per API process), for two things:
 *
 * - readers waiting for their own write (`GET /orders/:id?minSeq=`) are woken at once instead of
 *   polling; pub/sub is fire-and-forget, so callers keep a bounded poll as the fallback;
 * - answers of `GET /orders/:id` are kept in memory, exactly as they were sent, until the order's next
 *   version is announced. An answer is only kept while the subscription is up (any disconnect drops
 *   them all, since announcements may have been missed) and never when a newer version was already
 *   announced, so a kept answer is the Redis hot copy as of its `freshness.seq`, like any other.
 */
export class OrderChanges {
  private readonly waiters = new Map<string, Set<{ minSeq: number; wake: () => void }>>();
  /**
   * answers by order, least recently used first, with the customer whose order it is (who may be
   * given it); `body: null` marks a version announced but not kept
   */
  private readonly answers = new Map<string, KeptAnswer | { version: number; body: null }>();
  private live = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly maxAnswers = 10_000,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== ORDER_CHANGES_CHANNEL) return;
      const space = message.lastIndexOf(' ');
      const orderId = message.slice(0, space);
      const version = Number(message.slice(space + 1));
      const kept = this.answers.get(orderId);
      if (!kept || kept.version < version) this.keep(orderId, { version, body: null });
      for (const w of this.waiters.get(orderId) ?? []) if (version >= w.minSeq) w.wake();
    });
    // While Redis is down, waits end at their timeout and the reads fall back to MongoDB (logged there).
    subscriber.on('error', () => undefined);
    const down = () => {
      this.live = false;
      this.answers.clear();
    };
    subscriber.on('close', down);
    subscriber.on('reconnecting', down);
    // On (re)connecting: subscribe, and keep answers only once the subscription is confirmed.
    subscriber.on('ready', () => this.subscribe());
    this.subscribe();
  }

  private subscribe(): void {
    this.subscriber.subscribe(ORDER_CHANGES_CHANNEL).then(
      () => {
        this.live = true;
      },
      () => undefined,
    );
  }

  private keep(orderId: string, entry: KeptAnswer | { version: number; body: null }): void {
    this.answers.delete(orderId);
    this.answers.set(orderId, entry);
    while (this.answers.size > this.maxAnswers) {
      const oldest = this.answers.keys().next().value;
      if (oldest === undefined) break;
      this.answers.delete(oldest);
    }
  }

  /** The answer kept for the order, when it reflects at least `minSeq`. */
  answer(orderId: string, minSeq = 0): KeptAnswer | null {
    if (!this.live) return null;
    const kept = this.answers.get(orderId);
    if (!kept?.body || kept.version < minSeq) return null;
    this.keep(orderId, kept);
    return kept;
  }

  /** Keeps an answer sent for the order at `version`, unless a newer version was announced meanwhile. */
  remember(orderId: string, version: number, body: string, owner: string): void {
    if (!this.live) return;
    const kept = this.answers.get(orderId);
    if (kept && kept.version > version) return;
    this.keep(orderId, { version, body, owner });
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
    this.live = false;
    this.answers.clear();
    this.subscriber.disconnect();
  }
}
