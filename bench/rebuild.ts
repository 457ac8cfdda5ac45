import { connectTemporal } from '../worker/clients';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { Redis } from 'ioredis';
import { serviceUrls } from '../config';
import { mapConcurrent } from '../infra/concurrent';
import type { Stack } from '../stack/stack';
import { rebuildReadModels, type ReadModelDeps } from '../projections/rebuild';
import { verifyReadModels } from '../projections/verify';
import { Progress } from '../scripts/progress';
import {
  addStock,
  placeAndPay,
  pool,
  positiveInt,
  resultFile,
  RUN_FLAGS,
  stackEnvironment,
  startReadyStack,
} from './load';
import { authOf, BenchTokens } from './tokens';

/**
 * `npm run bench:rebuild`: N orders placed and paid through the API of a stack of its own, then
 * `verify` and `rebuild` from the Temporal histories, timed; then every closed order run deleted (what
 * retention does) and `rebuild` and `verify` again, from the event log alone. Prints orders per second
 * of each and saves them as JSON.
 */

const log = (msg: string) => console.log(`[rebuild] ${msg}`);

function options() {
  const { values } = parseArgs({ options: RUN_FLAGS });
  const smoke = values.smoke ?? false;
  return {
    orders: positiveInt(values.orders, smoke ? 60 : 10_000, 'orders'),
    concurrency: positiveInt(values.concurrency, smoke ? 8 : 32, 'concurrency'),
    out: resultFile(values.out, 'rebuild'),
    keep: values.keep ?? false,
    topology: values.cluster ? ('cluster' as const) : ('dev' as const),
  };
}

/** One timed pass of `what`, its progress on stderr; returns its result and orders per second. */
async function timed<T extends { orders: number }>(
  name: string,
  what: (progress: (done: number, total: number) => void) => Promise<T>,
): Promise<T & { seconds: number; ordersPerSecond: number }> {
  const t0 = performance.now();
  const bar = new Progress(name, 0);
  const result = await what((done, total) => bar.at(done, total));
  const seconds = (performance.now() - t0) / 1000;
  bar.end();
  return { ...result, seconds, ordersPerSecond: result.orders / seconds };
}

/** Deletes every closed order run, as retention would, and waits until visibility lists none. */
async function deleteClosedOrderRuns(client: Client): Promise<number> {
  const query = 'WorkflowType = "orderWorkflow" AND ExecutionStatus != "Running"';
  const deletes = mapConcurrent(client.workflow.list({ query }), 32, (wf: WorkflowExecutionInfo) =>
    client.workflowService.deleteWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: { workflowId: wf.workflowId, runId: wf.runId },
    }),
  );
  let deleted = 0;
  for await (const _ of deletes) deleted++;
  const deadline = Date.now() + 10 * 60_000;
  while ((await client.workflow.count(query)).count > 0) {
    if (Date.now() > deadline) throw new Error('closed runs still listed 10 minutes after their deletion');
    await new Promise((r) => setTimeout(r, 2_000));
  }
  return deleted;
}

async function main(): Promise<void> {
  const o = options();
  const { data, env, config, workerPorts, apiOpsPort } = await stackEnvironment('rebuild', {
    RATE_LIMIT_MAX: '1000000000',
  });
  let stack: Stack | null = null;
  const closers: (() => Promise<unknown>)[] = [];
  try {
    log(`${o.orders} orders at concurrency ${o.concurrency}; ${o.topology} topology; data in ${data}`);
    stack = await startReadyStack(config, { env, workerPorts, apiOpsPort, topology: o.topology });
    const api = stack.apiUrl;
    const tokens = new BenchTokens(authOf(config));
    await addStock(api, tokens, 'CB-004', o.orders, 'rebuild benchmark stock');
    const run = randomBytes(3).toString('hex');
    const t0 = performance.now();
    const runs = await pool(
      o.orders,
      o.concurrency,
      (i) => placeAndPay(api, tokens, `rebuild-${run}-${i}`, i),
      new Progress('placing', o.orders),
    );
    const placing = {
      seconds: (performance.now() - t0) / 1000,
      completed: runs.filter((r) => r.status === 'COMPLETED').length,
    };
    log(`placed and paid ${placing.completed}/${o.orders} in ${placing.seconds.toFixed(0)} s`);

    const urls = serviceUrls(config);
    const mongo = await MongoClient.connect(urls.mongodb);
    const redis = new Redis(urls.redis);
    const { client: temporal, connection } = await connectTemporal(config);
    closers.push(
      () => mongo.close(),
      async () => redis.disconnect(),
      () => connection.close(),
    );
    const deps: ReadModelDeps = {
      db: mongo.db(config.mongodbDb),
      redis,
      temporal,
      keys: config.payloadKeys,
    };
    const verifyTemporal = await timed('verify', (p) => verifyReadModels(deps, p));
    const rebuildTemporal = await timed('rebuild', (p) => rebuildReadModels(deps, p));
    log(`deleting the ${placing.completed} closed order runs (what retention does)…`);
    const deleted = await deleteClosedOrderRuns(deps.temporal);
    const rebuildLog = await timed('rebuild from the log', (p) => rebuildReadModels(deps, p));
    const verifyLog = await timed('verify from the log', (p) => verifyReadModels(deps, p));
    const report = {
      at: new Date().toISOString(),
      topology: o.topology,
      orders: o.orders,
      placing,
      fromTemporal: {
        verify: {
          seconds: verifyTemporal.seconds,
          ordersPerSecond: verifyTemporal.ordersPerSecond,
          drift: verifyTemporal.drift.length,
        },
        rebuild: {
          seconds: rebuildTemporal.seconds,
          ordersPerSecond: rebuildTemporal.ordersPerSecond,
          orders: rebuildTemporal.orders,
          events: rebuildTemporal.events,
          historiesFetched: rebuildTemporal.historiesFetched,
          fromLog: rebuildTemporal.fromLog,
          phasesMs: rebuildTemporal.phases,
        },
      },
      deleted,
      fromLog: {
        rebuild: {
          seconds: rebuildLog.seconds,
          ordersPerSecond: rebuildLog.ordersPerSecond,
          orders: rebuildLog.orders,
          fromLog: rebuildLog.fromLog,
          phasesMs: rebuildLog.phases,
        },
        verify: {
          seconds: verifyLog.seconds,
          ordersPerSecond: verifyLog.ordersPerSecond,
          drift: verifyLog.drift.length,
          sources: verifyLog.sources,
        },
      },
    };
    const line = (name: string, r: { seconds: number; ordersPerSecond: number }, extra: string) =>
      log(
        `${name.padEnd(28)} ${r.seconds.toFixed(1).padStart(7)} s ${r.ordersPerSecond.toFixed(0).padStart(6)} orders/s  ${extra}`,
      );
    line('verify (runs in Temporal)', verifyTemporal, `${verifyTemporal.drift.length} drift`);
    line(
      'rebuild (runs in Temporal)',
      rebuildTemporal,
      `${rebuildTemporal.orders} orders, ${rebuildTemporal.events} events, ${rebuildTemporal.historiesFetched} histories fetched; ms per phase ${JSON.stringify(rebuildTemporal.phases)}`,
    );
    line(
      'rebuild (runs deleted)',
      rebuildLog,
      `${rebuildLog.fromLog} of ${rebuildLog.orders} from the log; ms per phase ${JSON.stringify(rebuildLog.phases)}`,
    );
    line(
      'verify (runs deleted)',
      verifyLog,
      `${verifyLog.drift.length} drift, ${verifyLog.sources.log} from the log`,
    );
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    log(`saved ${o.out}`);
    const drift = verifyTemporal.drift.length + verifyLog.drift.length;
    if (drift > 0 || rebuildLog.orders !== rebuildTemporal.orders) {
      throw new Error(
        `${drift} drift; ${rebuildLog.orders} orders rebuilt from the log of ${rebuildTemporal.orders}`,
      );
    }
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await stack?.stop();
    if (!o.keep) rmSync(data, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
