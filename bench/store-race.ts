import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MongoClient, type Collection } from 'mongodb';
import { loadConfig } from '../config';
import { createDatabase, startPostgres } from '../stack/postgres';
import { freePort, type Service } from '../stack/process';
import { startMongo } from '../stack/stores';
import { pool, positiveInt, resultFile } from './load';

/**
 * `npm run measure:store-race`: whether a Mongo-compatible store applies racing conditional updates of
 * one document atomically, on FerretDB's SQLite handler (what `npm start` runs), on its PostgreSQL
 * handler (a PostgreSQL of its own, as the cluster's) and on MONGODB_URL if given. Per store, rounds
 * of R racers on one document: "decrement if at least 1" of U units (the stock check the ledger
 * replaced) and "replace if newer" (the projector's write), then the rate of conditional writes by
 * `_id` at a concurrency of 16. Prints the table and saves it as JSON.
 */

const log = (msg: string) => console.log(`[store-race] ${msg}`);

function options() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string' },
      racers: { type: 'string' },
      writes: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  const smoke = values.smoke ?? false;
  return {
    rounds: positiveInt(values.rounds, smoke ? 3 : 20, 'rounds'),
    racers: positiveInt(values.racers, 20, 'racers'),
    units: 5,
    writes: positiveInt(values.writes, smoke ? 200 : 3000, 'writes'),
    out: resultFile(values.out, 'store-race'),
  };
}
type Options = ReturnType<typeof options>;

interface Stock {
  _id: string;
  qty: number;
}
interface Versioned {
  _id: string;
  version: number;
}

/** R racing "decrement if ≥ 1" on U units: how many succeeded and what was left, per round. */
async function decrementRace(docs: Collection<Stock>, o: Options, round: number) {
  const _id = `stock-${round}`;
  await docs.insertOne({ _id, qty: o.units });
  const results = await Promise.all(
    Array.from({ length: o.racers }, () => docs.updateOne({ _id, qty: { $gte: 1 } }, { $inc: { qty: -1 } })),
  );
  const succeeded = results.reduce((n, r) => n + r.modifiedCount, 0);
  const left = (await docs.findOne({ _id }))?.qty ?? Number.NaN;
  return { succeeded, left, atomic: succeeded === o.units && left === 0 };
}

/** R racing "replace if newer" with versions 1..R in a shuffled order: the newest must stay. */
async function newestRace(docs: Collection<Versioned>, o: Options, round: number) {
  const _id = `view-${round}`;
  await docs.insertOne({ _id, version: 0 });
  const versions = Array.from({ length: o.racers }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  await Promise.all(
    versions.map((version) => docs.replaceOne({ _id, version: { $lt: version } }, { version })),
  );
  const kept = (await docs.findOne({ _id }))?.version ?? Number.NaN;
  return { kept, atomic: kept === o.racers };
}

/** Conditional writes by `_id` (each a new version of one of 100 documents) per second at concurrency 16. */
async function writeRate(docs: Collection<Versioned>, o: Options): Promise<number> {
  await docs.insertMany(Array.from({ length: 100 }, (_, i) => ({ _id: `rate-${i}`, version: 0 })));
  const t0 = performance.now();
  await pool(o.writes, 16, (i) =>
    docs.replaceOne({ _id: `rate-${i % 100}`, version: { $lt: i + 1 } }, { version: i + 1 }),
  );
  return o.writes / ((performance.now() - t0) / 1000);
}

async function measure(store: string, url: string, o: Options) {
  const client = await MongoClient.connect(url, { maxPoolSize: o.racers + 4 });
  try {
    const db = client.db(`race_${randomBytes(3).toString('hex')}`);
    const decrements = [];
    const newest = [];
    for (let round = 0; round < o.rounds; round++) {
      decrements.push(await decrementRace(db.collection<Stock>('stock'), o, round));
      newest.push(await newestRace(db.collection<Versioned>('views'), o, round));
    }
    const writesPerSecond = await writeRate(db.collection<Versioned>('rate'), o);
    await db.dropDatabase();
    const result = {
      store,
      decrement: {
        atomicRounds: decrements.filter((r) => r.atomic).length,
        succeeded: decrements.map((r) => r.succeeded),
        left: decrements.map((r) => r.left),
      },
      replaceIfNewer: {
        atomicRounds: newest.filter((r) => r.atomic).length,
        kept: newest.map((r) => r.kept),
      },
      writesPerSecond,
    };
    log(
      `${store}: decrement atomic in ${result.decrement.atomicRounds}/${o.rounds} rounds, ` +
        `replace-if-newer in ${result.replaceIfNewer.atomicRounds}/${o.rounds}; ${writesPerSecond.toFixed(0)} writes/s`,
    );
    return result;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const o = options();
  const { cacheDir } = loadConfig();
  const data = mkdtempSync(join(tmpdir(), 'order-saga-store-race-'));
  const services: Service[] = [];
  const start = async (service: Promise<Service>) => {
    services.push(await service);
    return services.at(-1) as Service;
  };
  try {
    log(
      `${o.rounds} rounds of ${o.racers} racers on one document (${o.units} units), then ${o.writes} writes`,
    );
    const stores: { store: string; url: string }[] = [];
    const sqlite = await start(
      startMongo({ cacheDir, dataDir: join(data, 'sqlite'), port: await freePort() }),
    );
    stores.push({ store: 'FerretDB, SQLite handler', url: sqlite.url });
    const postgres = await start(startPostgres({ dataDir: data, port: await freePort() }));
    createDatabase(postgres.url, 'ferretdb');
    const pg = await start(
      startMongo({
        cacheDir,
        dataDir: join(data, 'ferretdb-pg'),
        port: await freePort(),
        postgresUrl: `${postgres.url}/ferretdb`,
      }),
    );
    stores.push({ store: 'FerretDB, PostgreSQL handler', url: pg.url });
    if (process.env.MONGODB_URL) stores.push({ store: 'MONGODB_URL', url: process.env.MONGODB_URL });
    const results = [];
    for (const { store, url } of stores) results.push(await measure(store, url, o));
    console.log(
      `\nstore                          decrement if ≥ 1   replace if newer   writes/s (concurrency 16)`,
    );
    for (const r of results) {
      console.log(
        `${r.store.padEnd(30)} ${`${r.decrement.atomicRounds}/${o.rounds} atomic`.padStart(16)}   ` +
          `${`${r.replaceIfNewer.atomicRounds}/${o.rounds} atomic`.padStart(16)}   ${r.writesPerSecond.toFixed(0).padStart(8)}`,
      );
      console.log(
        `${''.padEnd(30)} succeeded ${r.decrement.succeeded.join(' ')}; left ${r.decrement.left.join(' ')}; newest kept ${r.replaceIfNewer.kept.join(' ')}`,
      );
    }
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify({ at: new Date().toISOString(), ...o, results }, null, 2)}\n`);
    log(`saved ${o.out}`);
  } finally {
    for (const s of services.reverse()) await s.stop();
    rmSync(data, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
