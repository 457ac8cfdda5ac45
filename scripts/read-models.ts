import { loadConfig, serviceUrls } from '../config';
import { rebuildReadModels } from '../projections/rebuild';
import { verifyReadModels } from '../projections/verify';
import { connectMongo, connectRedis, connectTemporal } from '../worker/clients';
import { Progress } from './progress';

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
  const bar = new Progress(command, 0);
  const progress = (done: number, total: number) => bar.at(done, total);
  try {
    if (command === 'rebuild') {
      const { orders, events, fromLog, historiesFetched, logRepaired, keptFromLive } =
        await rebuildReadModels(deps, progress);
      bar.end();
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `rebuilt ${orders} orders (${events} events) in ${seconds.toFixed(1)} s: ${(orders / seconds).toFixed(0)} orders/s; ` +
          `${fromLog} from the event log (their runs completed or gone), ${historiesFetched} from their histories; ` +
          `${logRepaired} repaired in the log; ${keptFromLive} documents written meanwhile kept`,
      );
      return 0;
    }
    const { orders, sources, drift } = await verifyReadModels(deps, progress);
    bar.end();
    console.log(
      `verified ${orders} orders: ${sources.temporal} from Temporal, ${sources.log} left Temporal and read from the event log` +
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

if (require.main === module) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
