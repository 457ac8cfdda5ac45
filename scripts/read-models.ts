import { loadConfig, serviceUrls } from '../config';
import { rebuildReadModels } from '../projections/rebuild';
import { verifyReadModels } from '../projections/verify';
import { connectMongo, connectRedis, connectTemporal } from '../worker/clients';

const USAGE = 'usage: read-models rebuild | verify';

/**
 * `rebuild`: fold every order history into fresh read models and swap them in.
 * `verify`: compare the read models with the histories; exit 1 on any drift, printing the first ones.
 */
export async function main(command: string | undefined): Promise<number> {
  if (command !== 'rebuild' && command !== 'verify') {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig();
  const mongo = await connectMongo(config);
  const redis = connectRedis(serviceUrls(config).redis);
  const { client: temporal, connection } = await connectTemporal(config);
  const deps = { db: mongo.db(config.mongodbDb), redis, temporal, keys: config.payloadKeys };
  const started = Date.now();
  const progress = (done: number, total: number) =>
    process.stderr.write(`\r${progressLine(command, done, total, Date.now() - started)}   `);
  try {
    if (command === 'rebuild') {
      const { orders, events, fromLog, historiesFetched, logRepaired } = await rebuildReadModels(
        deps,
        progress,
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `\nrebuilt ${orders} orders (${events} events) in ${seconds.toFixed(1)} s: ${(orders / seconds).toFixed(0)} orders/s; ` +
          `${fromLog} from the event log (their runs completed or gone), ${historiesFetched} from their histories; ` +
          `${logRepaired} repaired in the log`,
      );
      return 0;
    }
    const { orders, sources, drift } = await verifyReadModels(deps, progress);
    console.log(
      `\nverified ${orders} orders: ${sources.temporal} from Temporal, ${sources.log} left Temporal and read from the event log` +
        `${sources.timeline ? `, ${sources.timeline} in no log (their read model only)` : ''}; ${drift.length} drift`,
    );
    for (const d of drift.slice(0, 10)) {
      console.log(
        `  ${d.model} ${d.id} .${d.field}: expected ${JSON.stringify(d.expected)}, found ${JSON.stringify(d.actual)}`,
      );
    }
    return drift.length === 0 ? 0 : 1;
  } finally {
    await connection.close();
    redis.disconnect();
    await mongo.close();
  }
}

/** `rebuild [########------------] 4200/10000 orders, 812/s, 8 s left` */
export function progressLine(command: string, done: number, total: number, elapsedMs: number): string {
  const of = Math.max(done, total, 1);
  const filled = Math.round((20 * done) / of);
  const rate = done / Math.max(elapsedMs / 1000, 0.001);
  const left = total > done && rate > 0 ? `, ${Math.ceil((total - done) / rate)} s left` : '';
  return `${command} [${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${done}/${of} orders, ${rate.toFixed(0)}/s${left}`;
}

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
