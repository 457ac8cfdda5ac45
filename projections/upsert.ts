import type { Collection, Db, Document } from 'mongodb';
import { duplicatePositions, isDuplicateKey } from '../infra/mongo-errors';

const ferret = new WeakMap<Db, Promise<boolean>>();

/**
 * Whether the store is FerretDB: it uses an index only for a filter that is exactly `{_id}` and
 * holds its SQLite write lock while it scans, so a conditional write there reads the whole
 * collection and stalls every other writer (measured: reservations timing out under load).
 */
export function isFerretDb(db: Db): Promise<boolean> {
  let known = ferret.get(db);
  if (!known) {
    known = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => 'ferretdbVersion' in info);
    ferret.set(db, known);
  }
  return known;
}

/**
 * Writes `doc` unless the stored one reflects a newer (or the same) version: a late retry never takes
 * a read model backwards. On MongoDB one atomic conditional replace (a newer stored version makes the
 * filter miss and the upsert's insert hit the `_id`, which is ignored). On FerretDB a read and a write
 * by `_id`; the caller makes writers of one document take turns (the projector locks per key).
 */
export async function replaceIfNewer<T extends Document & { _id: string; version: number }>(
  db: Db,
  collection: Collection<T>,
  doc: T,
  /**
   * what the caller knows is stored, holding the document's lock: what it just read, or a version the
   * stored one cannot exceed (null: none stored). FerretDB then need not read it first.
   */
  stored?: { version: number } | null,
): Promise<boolean> {
  if (await isFerretDb(db)) {
    const current =
      stored !== undefined
        ? stored
        : await collection.findOne<{ version: number }>({ _id: doc._id } as never, {
            projection: { version: 1 },
          });
    if (current && current.version >= doc.version) return false;
    await collection.replaceOne({ _id: doc._id } as never, doc, { upsert: true });
    return true;
  }
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

/**
 * `replaceIfNewer` for a document the caller believes is not stored yet (a notification's record, the
 * views of an order its batch just created): one insert, which FerretDB does without reading the
 * collection (an upsert reads first, and measured at more than twice the cost). When one is stored
 * after all (a retried batch, a redriven notification), `replaceIfNewer` decides as usual.
 */
export async function insertIfNew<T extends Document & { _id: string; version: number }>(
  db: Db,
  collection: Collection<T>,
  doc: T,
): Promise<boolean> {
  try {
    await collection.insertOne(doc as never);
    return true;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return replaceIfNewer(db, collection, doc);
  }
}

/**
 * `insertIfNew` for several documents in one round trip: one unordered insert, in which each document
 * stands alone; those stored already go through `replaceIfNewer`, one at a time.
 */
export async function insertAllIfNew<T extends Document & { _id: string; version: number }>(
  db: Db,
  collection: Collection<T>,
  docs: T[],
): Promise<void> {
  const [only] = docs;
  if (docs.length <= 1) {
    if (only) await insertIfNew(db, collection, only);
    return;
  }
  try {
    await collection.insertMany(docs as never[], { ordered: false });
  } catch (err) {
    const stored = duplicatePositions(err);
    if (stored === null) throw err;
    for (const i of stored) {
      const doc = docs[i];
      if (doc) await replaceIfNewer(db, collection, doc);
    }
  }
}
