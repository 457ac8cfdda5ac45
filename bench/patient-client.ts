import { call, json } from './http';
import type { OrderView } from './load';
import type { BenchTokens } from './tokens';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the reliability suite's orders are: one unit of this product. */
export const CHAOS_SKU = 'CB-004';

/**
 * A client that behaves as a real one under faults: it retries what failed on the way (a network
 * error, a 5xx, a 503 while Temporal restarts), an order with the same Idempotency-Key, so that it is
 * placed once however often it is sent. It counts what it had to retry.
 */
export class PatientClient {
  retries = 0;
  readonly errors = new Set<string>();
  private readonly deadline: number;

  constructor(
    readonly api: string,
    private readonly tokens: BenchTokens,
    patienceMs = 180_000,
  ) {
    this.deadline = Date.now() + patienceMs;
  }

  async attempt<T>(what: string, action: () => Promise<T>): Promise<T> {
    for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
      try {
        return await action();
      } catch (err) {
        if (Date.now() > this.deadline) throw new Error(`${what}: ${String(err)}`);
        this.retries++;
        this.errors.add(`${what}: ${err instanceof Error ? err.message.slice(0, 80) : String(err)}`);
        await pause(wait);
      }
    }
  }

  /** Places customer n's order of one unit under `key`; the server's order id. */
  async place(key: string, n: number): Promise<string> {
    // However often it is sent, the same key is the same order: its id comes back each time.
    const { orderId } = await this.attempt(`place ${key}`, async () => {
      const res = await call('POST', `${this.api}/orders`, {
        headers: { 'idempotency-key': key, authorization: this.tokens.customer(`chaos-customer-${n % 20}`) },
        body: { items: [{ sku: CHAOS_SKU, quantity: 1 }] },
      });
      return json<{ orderId: string }>(res, [202]);
    });
    return orderId;
  }

  /** Reads the order (as support, who may read any), each read waiting for its next version, until `done` says so. */
  async readUntil(orderId: string, done: (o: OrderView) => boolean): Promise<OrderView> {
    const read = (minSeq: number) =>
      this.attempt(`read ${orderId}`, async () =>
        json<OrderView>(
          await call('GET', `${this.api}/orders/${orderId}?minSeq=${minSeq}`, {
            headers: { authorization: this.tokens.support },
          }),
          [200],
        ),
      );
    let order = await read(1);
    while (!done(order)) {
      if (Date.now() > this.deadline) throw new Error(`order ${orderId} still ${order.status}`);
      order = await read(order.freshness.seq + 1);
    }
    return order;
  }

  /**
   * Pays the invoice total as the order's customer: 200 or 202 when the payment was taken, 409 when the
   * order refused it.
   */
  async pay(orderId: string, order: Pick<OrderView, 'total' | 'currency' | 'customer'>): Promise<number> {
    return this.attempt(`pay ${orderId}`, async () => {
      const res = await call('POST', `${this.api}/orders/${orderId}/payments`, {
        headers: { authorization: this.tokens.customer(order.customer.id) },
        body: { amount: order.total, currency: order.currency, reference: `pay-${orderId}` },
      });
      if (res.status === 409) return 409;
      json(res, [200, 202]);
      return res.status;
    });
  }
}

export const isEnded = (o: OrderView): boolean =>
  ['COMPLETED', 'REJECTED', 'CANCELLED', 'FAILED'].includes(o.status);
