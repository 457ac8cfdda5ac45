import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from 'mongodb';
import { isDuplicateKey } from '../infra/mongo-errors';

/**
 * The one rebuild running: two at once would drop and fill the same fresh collections under each
 * other. A document in `maintenance_leases` holds it; the holder renews it while it runs, so a rebuild
 * that crashed frees it once `ttlMs` has passed without a renewal.
 */
interface Lease {
  _id: string;
  holder: string;
  /** who holds it, for the message another rebuild gets: host and process */
  by: string;
  since: Date;
  expiresAt: Date;
}

const LEASES = 'maintenance_leases';
const REBUILD = 'rebuild';

export class RebuildRunning extends Error {
  constructor(lease: Pick<Lease, 'by' | 'since' | 'expiresAt'>) {
    super(
      `another rebuild is running (${lease.by}, since ${lease.since.toISOString()}); ` +
        `its lease ends at ${lease.expiresAt.toISOString()} unless it is renewed`,
    );
    this.name = 'RebuildRunning';
  }
}

export interface LeaseOptions {
  /** how long the lease lasts without a renewal (2 min) */
  ttlMs?: number;
  /** how often the holder renews it (every 20 s) */
  renewEveryMs?: number;
  now?: () => Date;
}

/**
 * Runs `work` holding the rebuild lease, renewed while it runs, released after; refuses with
 * `RebuildRunning` when another holder's lease has not expired.
 */
export async function withRebuildLease<T>(
  db: Db,
  work: () => Promise<T>,
  options: LeaseOptions = {},
): Promise<T> {
  const { ttlMs = 120_000, renewEveryMs = 20_000, now = () => new Date() } = options;
  const leases = db.collection<Lease>(LEASES);
  const holder = randomUUID();
  const lease = (at: Date): Lease => ({
    _id: REBUILD,
    holder,
    by: `${hostname()} pid ${process.pid}`,
    since: at,
    expiresAt: new Date(at.getTime() + ttlMs),
  });
  const at = now();
  // An expired lease (a rebuild that crashed) is taken over: removed only while still expired.
  await leases.deleteOne({ _id: REBUILD, expiresAt: { $lt: at } });
  try {
    await leases.insertOne(lease(at));
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const other = await leases.findOne({ _id: REBUILD });
    throw new RebuildRunning(other ?? lease(at));
  }
  const renewing = setInterval(() => {
    const renewedAt = now();
    void leases
      .updateOne({ _id: REBUILD, holder }, { $set: { expiresAt: new Date(renewedAt.getTime() + ttlMs) } })
      .catch(() => undefined);
  }, renewEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(renewing);
    await leases.deleteOne({ _id: REBUILD, holder });
  }
}
