import type { Collection, Db, Document } from 'mongodb';
import { replaceIfNewer } from './upsert';

/** A read-model document: every one the rebuild writes carries the version of its source. */
type Versioned = Document & { _id: string; version: number };

/** Versions read per round trip when the collection set aside is compared with the fresh one. */
const READ_BATCH = 5_000;

/** Renames tried before a swap gives up on a writer that keeps re-creating the live collection. */
const SWAP_ATTEMPTS = 10;

/** MongoDB's and FerretDB's answer to a rename onto a name that exists. */
const NAMESPACE_EXISTS = 48;

/** A name to set `live` aside under, unused by an earlier swap. */
const asideName = (live: string, attempt: number) => `${live}__aside_${Date.now()}_${attempt}`;

/** Whether the store holds a collection of that name. */
export async function collectionExists(db: Db, name: string): Promise<boolean> {
  return (await db.listCollections({ name }, { nameOnly: true }).toArray()).length > 0;
}

async function asideOf(db: Db, live: string): Promise<string[]> {
  const all = await db.listCollections({}, { nameOnly: true }).toArray();
  return all.map((c) => c.name).filter((name) => name.startsWith(`${live}__aside_`));
}

/** The version of each document of a collection, by `_id` (NaN where a document has none). */
export type Versions = Map<string, number>;

async function versionsOf(collection: Collection<Versioned>): Promise<Versions> {
  const versions: Versions = new Map();
  for await (const doc of collection.find({}, { projection: { version: 1 } }).batchSize(READ_BATCH)) {
    versions.set(doc._id, Number(doc.version));
  }
  return versions;
}

/**
 * Writes each document of `from` that `into` lacks, or holds at an older version (`known`, else read):
 * what a live writer wrote to the collection while a rebuild folded its replacement. `from` is read
 * once, versions only (a filter on many `_id`s reads the whole collection on FerretDB, once per
 * batch); the few documents to write are then read whole by `_id`. Returns how many were written.
 */
async function keepNewer(
  db: Db,
  from: Collection<Versioned>,
  into: Collection<Versioned>,
  known?: Versions,
): Promise<number> {
  const versions = known ?? (await versionsOf(into));
  let written = 0;
  for await (const aside of from.find({}, { projection: { version: 1 } }).batchSize(READ_BATCH)) {
    const version = versions.get(aside._id);
    if (version !== undefined && !(aside.version > version)) continue;
    const doc = await from.findOne({ _id: aside._id });
    if (doc && (await replaceIfNewer(db, into, doc))) written++;
  }
  return written;
}

/** Merges every collection set aside into `live` and drops it; the first becomes `live` if it is gone. */
async function mergeAside(db: Db, live: string, aside: string[], known?: Versions): Promise<number> {
  let written = 0;
  for (const name of aside) {
    if (!(await collectionExists(db, live))) {
      await db.renameCollection(name, live);
      continue;
    }
    written += await keepNewer(db, db.collection<Versioned>(name), db.collection<Versioned>(live), known);
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
 * `freshVersions`, when the caller knows them (it wrote `fresh`), spares reading them. Returns how many
 * documents written meanwhile were kept.
 */
export async function swapKeepingNewer(
  db: Db,
  fresh: string,
  live: string,
  freshVersions?: Versions,
): Promise<number> {
  const aside = await asideOf(db, live);
  for (let attempt = 0; ; attempt++) {
    if (await collectionExists(db, live)) {
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
  return mergeAside(db, live, aside, freshVersions);
}
