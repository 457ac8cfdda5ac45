import type { Collection, Db, Document } from 'mongodb';
import { replaceIfNewer } from './upsert';

/** A read-model document: every one the rebuild writes carries the version of its source. */
type Versioned = Document & { _id: string; version: number };

/** Documents compared per round trip when the collection set aside is merged back. */
const MERGE_BATCH = 500;

/** Renames tried before a swap gives up on a writer that keeps re-creating the live collection. */
const SWAP_ATTEMPTS = 10;

/** MongoDB's and FerretDB's answer to a rename onto a name that exists. */
const NAMESPACE_EXISTS = 48;

/** A name to set `live` aside under, unused by an earlier swap. */
const asideName = (live: string, attempt: number) => `${live}__aside_${Date.now()}_${attempt}`;

async function exists(db: Db, name: string): Promise<boolean> {
  return (await db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
}

async function asideOf(db: Db, live: string): Promise<string[]> {
  const all = await db.listCollections({}, { nameOnly: true }).toArray();
  return all.map((c) => c.name).filter((name) => name.startsWith(`${live}__aside_`));
}

/**
 * Writes each document of `from` that `into` lacks, or holds at an older version: what a live writer
 * wrote to the collection while a rebuild folded its replacement. Returns how many were written.
 */
async function keepNewer(db: Db, from: Collection<Versioned>, into: Collection<Versioned>): Promise<number> {
  let written = 0;
  let batch: Versioned[] = [];
  const mergeBatch = async () => {
    const ids = batch.map((d) => d._id);
    const stored = await into.find({ _id: { $in: ids } }, { projection: { version: 1 } }).toArray();
    const versions = new Map(stored.map((d) => [d._id, d.version]));
    for (const doc of batch) {
      const version = versions.get(doc._id);
      if (version !== undefined && !(doc.version > version)) continue;
      if (await replaceIfNewer(db, into, doc)) written++;
    }
    batch = [];
  };
  for await (const doc of from.find({}).batchSize(MERGE_BATCH)) {
    batch.push(doc);
    if (batch.length >= MERGE_BATCH) await mergeBatch();
  }
  if (batch.length > 0) await mergeBatch();
  return written;
}

/** Merges every collection set aside into `live` and drops it; the first becomes `live` if it is gone. */
async function mergeAside(db: Db, live: string, aside: string[]): Promise<number> {
  let written = 0;
  for (const name of aside) {
    if (!(await exists(db, live))) {
      await db.renameCollection(name, live);
      continue;
    }
    written += await keepNewer(db, db.collection<Versioned>(name), db.collection<Versioned>(live));
    await db.collection(name).drop();
  }
  return written;
}

/**
 * What a swap that stopped half-way (a crash) left set aside, put back: merged into `live`, or
 * renamed to it when `live` is missing. A rebuild starts with it.
 */
export async function recoverAside(db: Db, live: string): Promise<number> {
  return mergeAside(db, live, await asideOf(db, live));
}

/**
 * Puts `fresh` in place of `live` and loses nothing a live writer (a projector, a webhook worker)
 * wrote to `live` meanwhile: `live` is renamed aside, `fresh` renamed in, and each document set aside
 * that is newer than the fresh one (or missing from it) is written over it. A writer that creates
 * `live` again between the two renames (an upsert) has that collection set aside and merged too.
 * The same steps on MongoDB and FerretDB; between the two renames (milliseconds) `live` reads empty.
 * Returns how many documents written meanwhile were kept.
 */
export async function swapKeepingNewer(db: Db, fresh: string, live: string): Promise<number> {
  const aside = await asideOf(db, live);
  for (let attempt = 0; ; attempt++) {
    if (await exists(db, live)) {
      const name = asideName(live, attempt);
      await db.renameCollection(live, name);
      aside.push(name);
    }
    try {
      await db.renameCollection(fresh, live);
      break;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== NAMESPACE_EXISTS || attempt + 1 >= SWAP_ATTEMPTS) throw err;
    }
  }
  return mergeAside(db, live, aside);
}
