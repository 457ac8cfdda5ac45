import type { Collection, Db } from 'mongodb';
import { isDuplicateKey } from '../infra/mongo-errors';

/**
 * An Idempotency-Key as the write side keeps it: which order it placed, for whom, and for what
 * request. `_id` is the caller and the key together, so a key is unique per caller and the lookup is
 * by `_id` alone. Kept for as long as the order exists (there is no expiry), whatever Temporal's
 * retention does with the run.
 */
export interface OrderKeyDoc {
  _id: string;
  caller: string;
  key: string;
  orderId: string;
  /** fingerprint of the request that placed the order */
  request: string;
  claimedAt: Date;
}

export const orderKeysCollection = (db: Db): Collection<OrderKeyDoc> =>
  db.collection<OrderKeyDoc>('order_keys');

/** JSON keeps the pair unambiguous whatever characters either holds. */
const idOf = (caller: string, key: string) => JSON.stringify([caller, key]);

export class OrderKeys {
  constructor(private readonly db: Db) {}

  private get keys(): Collection<OrderKeyDoc> {
    return orderKeysCollection(this.db);
  }

  /**
   * Claims `key` for a new order, or finds the order it already placed. The first claim wins (the
   * `_id` is unique); a racing or later one gets the same document back.
   */
  async claim(
    caller: string,
    key: string,
    fresh: { orderId: string; request: string },
    now = new Date(),
  ): Promise<{ doc: OrderKeyDoc; repeat: boolean }> {
    const doc: OrderKeyDoc = { _id: idOf(caller, key), caller, key, ...fresh, claimedAt: now };
    try {
      await this.keys.insertOne(doc);
      return { doc, repeat: false };
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    const found = await this.keys.findOne({ _id: doc._id });
    if (found === null) throw new Error(`Idempotency-Key ${key} was claimed and is gone`);
    return { doc: found, repeat: true };
  }
}
