import { Client, Connection } from '@temporalio/client';
import { loadConfig, serviceUrls } from '../config';
import { rebuildReadModels, verifyReadModels } from '../projections/rebuild';
import { connectMongo, connectRedis } from '../worker/clients';
import { dataConverterFor } from '../infra/payload-codec';

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
  const connection = await Connection.connect({ address: config.temporalAddress });
  const deps = {
    db: mongo.db(config.mongodbDb),
    redis,
    temporal: new Client({
      connection,
      namespace: config.temporalNamespace,
      dataConverter: dataConverterFor(config.payloadKeys),
    }),
  };
  const started = Date.now();
  const progress = (n: number) => {
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`\r${command}: ${n} orders, ${(n / Math.max(seconds, 0.001)).toFixed(0)}/s   `);
  };
  try {
    if (command === 'rebuild') {
      const { orders, events } = await rebuildReadModels(deps, progress);
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `\nrebuilt ${orders} orders (${events} events) in ${seconds.toFixed(1)} s: ${(orders / seconds).toFixed(0)} orders/s`,
      );
      return 0;
    }
    const { orders, drift } = await verifyReadModels(deps, progress);
    console.log(`\nverified ${orders} orders: ${drift.length} drift`);
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
