import type { Collection, Document } from 'mongodb';
import { isDuplicateKey } from '../infra/mongo-errors';

/**
 * Writes `doc` unless the stored one reflects a newer (or the same) version: a late retry never
 * takes a read model backwards. When the stored version is newer, the filter misses, the upsert's
 * insert hits the `_id` and is ignored.
 */
export async function replaceIfNewer<T extends Document & { _id: string; version: number }>(
  collection: Collection<T>,
  doc: T,
): Promise<boolean> {
  try {
    const res = await collection.replaceOne({ _id: doc._id, version: { $lt: doc.version } } as never, doc, {
      upsert: true,
    });
    return res.modifiedCount + res.upsertedCount > 0;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
