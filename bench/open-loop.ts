import { Progress } from '../scripts/progress';
import { writeChartsOf } from './charts';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Stack, Topology } from '../stack/stack';
import {
  addStock,
  placeAndPay,
  pool,
  positiveInt,
  resultFile,
  stackEnvironment,
  startReadyStack,
  type OrderRun,
} from './load';
import { histogramDiff, histogramOf, histogramQuantile, summarize, type Histogram } from './stats';
import { ACCEPTED_RECIPIENTS, authOf, BenchTokens } from './tokens';
import { call, json } from './http';
import { startReceiver } from './receiver';
import { evaluateDashboard, type Evaluated } from './dashboard-queries';
import { NoopLimit, shapeOfOrder } from './noop-limit';
import { connectTemporal } from '../worker/clients';
import type { Config } from '../config';

/**
 * `npm run bench:open-loop`: orders arrive at fixed rates, each on its own schedule whether or not the
 * earlier ones have finished (an open loop: a closed loop of N clients waits for the system and so
 * hides its queueing, "coordinated omission"). For each topology (dev server and cluster, one after
 * the other in one run): the maximum measured with a closed loop, taking turns with its limit (the
 * no-op saga in the order's shape, on the same server), then 25, 50, 75 and 100 % of it, each
 * for a fixed time; per rate, the latency from each order's scheduled arrival to its completion, the
 * saga's own latency and the projection lag, p50/p99/p99.9; and the highest rate the system kept up with.
 */

const log = (msg: string) => console.log(`[open-loop] ${msg}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SHARES = [0.25, 0.5, 0.75, 1] as const;
/** After the last arrival, how long the orders may take to finish for the rate to count as kept up with. */
const DRAIN_MS = 15_000;

interface Options {
  topologies: Topology[];
  seconds: number;
  maxOrders: number;
  concurrency: number;
  out: string;
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      topology: { type: 'string', default: 'both' },
      seconds: { type: 'string' },
      'max-orders': { type: 'string' },
      concurrency: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const smoke = values.smoke ?? false;
  const topology = values.topology ?? 'both';
  if (!['dev', 'cluster', 'both'].includes(topology)) throw new Error('--topology: dev, cluster or both');
  return {
    topologies: topology === 'both' ? ['dev', 'cluster'] : [topology as Topology],
    seconds: positiveInt(values.seconds, smoke ? 4 : 60, 'seconds'),
    maxOrders: positiveInt(values['max-orders'], smoke ? 24 : 400, 'max-orders'),
    concurrency: positiveInt(values.concurrency, smoke ? 6 : 32, 'concurrency'),
    out: resultFile(values.out, 'open-loop'),
    keep: values.keep ?? false,
  };
}

/** One order of an open loop: when it was due, and how it went. */
interface Arrival {
  /** ms after the loop's start at which the order was due */
  dueMs: number;
  /** ms after the loop's start at which it completed (or failed) */
  doneMs: number;
  run: OrderRun | null;
  error: string | null;
}

/**
 * Starts `job(i)` at `i / rate` seconds for `seconds`, each on its schedule, and waits for all of them.
 * A job's latency counts from when it was due, so a late start (the machine busy) is not hidden.
 */
async function openLoop(rate: number, seconds: number, job: (i: number) => Promise<OrderRun>, label: string) {
  const n = Math.max(1, Math.round(rate * seconds));
  const progress = new Progress(label, n);
  const t0 = performance.now();
  const arrivals: Promise<Arrival>[] = [];
  for (let i = 0; i < n; i++) {
    const dueMs = (i * 1000) / rate;
    const wait = t0 + dueMs - performance.now();
    if (wait > 0) await sleep(wait);
    arrivals.push(
      job(i)
        .then(
          (run): Arrival => ({ dueMs, doneMs: performance.now() - t0, run, error: null }),
          (err: unknown): Arrival => ({
            dueMs,
            doneMs: performance.now() - t0,
            run: null,
            error: String(err),
          }),
        )
        .finally(() => progress.tick()),
    );
  }
  const done = await Promise.all(arrivals);
  progress.end();
  return { arrivals: done, lastDueMs: ((n - 1) * 1000) / rate };
}

const percentiles = (values: number[]) => {
  const s = summarize(values);
  const sorted = [...values].sort((a, b) => a - b);
  const p999 = sorted[Math.min(sorted.length - 1, Math.ceil(0.999 * sorted.length) - 1)] ?? Number.NaN;
  return { n: s.n, p50: s.p50, p99: s.p99, p999, max: s.max };
};

/** The projection lag histogram summed over every projector replica. */
async function projectionLag(stack: Stack): Promise<Histogram> {
  const texts = await Promise.all(
    stack.replicaOpsUrls['projector-worker'].map((url) => fetch(`${url}/metrics`).then((r) => r.text())),
  );
  const parts = texts.map((t) => histogramOf(t, 'projection_lag_seconds'));
  const [first, ...rest] = parts;
  if (!first) throw new Error('no projector to scrape');
  return rest.reduce(
    (sum, h) => ({
      buckets: sum.buckets.map((b, i) => ({ le: b.le, count: b.count + (h.buckets[i]?.count ?? 0) })),
      count: sum.count + h.count,
      sum: sum.sum + h.sum,
    }),
    first,
  );
}

/** Share of the histogram's observations at or under `bound` (one of its bucket bounds). */
function shareUnder(h: Histogram, bound: number): number {
  const total = h.buckets.at(-1)?.count ?? 0;
  const under = h.buckets.find((b) => b.le === bound)?.count ?? 0;
  return total === 0 ? Number.NaN : under / total;
}

/** Turns the closed-loop maxima take, orders and the no-op saga one after the other (the speed drifts). */
const MAXIMUM_TURNS = 2;

/**
 * The closed-loop maximum of orders and of their limit, the no-op saga in an order's shape (see
 * `NoopLimit`) on the same Temporal server, taking turns. Here each order also announces itself to a
 * webhook subscription (a delivery run of its own) and one customer in a hundred has mail refused; the
 * no-op repeats the order's run only, so this ratio is below `npm run bench`'s, which has neither.
 */
async function maximaOf(
  o: Options,
  run: {
    data: string;
    env: NodeJS.ProcessEnv;
    config: Config;
    order: () => Promise<OrderRun>;
    paidOrder: string;
  },
) {
  const { client, connection } = await connectTemporal(run.config);
  const noopShape = await shapeOfOrder(client, run.paidOrder);
  const limit = await NoopLimit.start({
    client,
    config: run.config,
    env: run.env,
    shape: noopShape,
    queue: `open-loop-noop-${randomBytes(3).toString('hex')}`,
    logFile: join(run.data, 'logs', 'noop.log'),
  });
  try {
    const prefix = `noop-${randomBytes(3).toString('hex')}`;
    let next = 0;
    const noop = () => limit.run(`${prefix}-${next++}`);
    await pool(Math.min(50, o.maxOrders), o.concurrency, noop);
    await limit.checkShapeOf(`${prefix}-0`);
    const perTurn = Math.ceil(o.maxOrders / MAXIMUM_TURNS);
    let orderSeconds = 0;
    let noopSeconds = 0;
    for (let t = 0; t < MAXIMUM_TURNS; t++) {
      const turn = `maximum, turn ${t + 1}/${MAXIMUM_TURNS}`;
      orderSeconds += await timed(() =>
        pool(perTurn, o.concurrency, run.order, new Progress(`${turn} orders`, perTurn)),
      );
      noopSeconds += await timed(() =>
        pool(perTurn, o.concurrency, noop, new Progress(`${turn} no-op`, perTurn, 'runs')),
      );
    }
    const runs = perTurn * MAXIMUM_TURNS;
    return { maximum: runs / orderSeconds, noopMaximum: runs / noopSeconds, noopShape };
  } finally {
    await limit.stop();
    await connection.close();
  }
}

/** Seconds `job` took. */
async function timed(job: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await job();
  return (performance.now() - t0) / 1000;
}

async function measureTopology(o: Options, topology: Topology) {
  const { data, env, config, workerPorts, apiOpsPort } = await stackEnvironment(`open-loop-${topology}`, {
    RATE_LIMIT_MAX: '1000000000',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_BACKOFF_INITIAL: '200ms',
  });
  let stack: Stack | null = null;
  // Every completed order is announced to a receiver that refuses one delivery in ten (retried): the
  // webhook path carries load too, and the dashboard's delivery and failure panels have data.
  const receiver = await startReceiver();
  receiver.respondWith((n) => (n % 10 === 0 ? 503 : 204));
  try {
    stack = await startReadyStack(config, { env, workerPorts, apiOpsPort, topology });
    // One customer in a hundred has a mailbox that refuses mail: its notifications fail for good
    // (activity failures, dead letters), as some always do, and the dashboard's panels show them.
    await stack.mailbox?.acceptOnly(ACCEPTED_RECIPIENTS);
    const api = stack.apiUrl;
    const tokens = new BenchTokens(authOf(config), (id) => id === 'bench-customer-99');
    await addStock(api, tokens, 'CB-004', 1_000_000, 'open-loop benchmark stock');
    json(
      await call('POST', `${api}/webhooks`, {
        headers: { authorization: tokens.admin },
        body: { url: receiver.url, events: ['OrderCompleted'] },
      }),
      [201],
    );
    const run = randomBytes(3).toString('hex');
    let next = 0;
    const order = () => {
      const i = next++;
      return placeAndPay(api, tokens, `open-${run}-${i}`, i);
    };
    log(`${topology}: warm-up, ${Math.min(50, o.maxOrders)} orders`);
    const warm = await pool(Math.min(50, o.maxOrders), o.concurrency, order);
    const { maximum, noopMaximum, noopShape } = await maximaOf(o, {
      data,
      env,
      config,
      order,
      paidOrder: warm.find((r) => r.status === 'COMPLETED')?.orderId ?? '',
    });
    log(
      `${topology}: closed-loop maximum ${maximum.toFixed(1)} orders/s, the no-op saga ${noopMaximum.toFixed(1)}/s ` +
        `(orders / no-op ${(maximum / noopMaximum).toFixed(2)})`,
    );
    const rates = [];
    for (const share of SHARES) {
      const rate = maximum * share;
      const lagBefore = await projectionLag(stack);
      const label = `${topology} ${Math.round(share * 100)} %`;
      const { arrivals, lastDueMs } = await openLoop(rate, o.seconds, order, label);
      const lag = histogramDiff(await projectionLag(stack), lagBefore);
      const done = arrivals.filter((a) => a.run?.status === 'COMPLETED');
      const lastDoneMs = Math.max(...arrivals.map((a) => a.doneMs));
      const keptUp = done.length === arrivals.length && lastDoneMs - lastDueMs <= DRAIN_MS;
      const result = {
        share,
        offeredPerSecond: rate,
        orders: arrivals.length,
        completed: done.length,
        errors: arrivals
          .filter((a) => a.error)
          .map((a) => a.error)
          .slice(0, 3),
        achievedPerSecond: done.length / (lastDoneMs / 1000),
        paymentRetries: done.reduce((n, a) => n + (a.run?.paymentRetries ?? 0), 0),
        keptUp,
        /** from the order's scheduled arrival to the client seeing it completed (paid at once) */
        endToEndMs: percentiles(done.map((a) => a.doneMs - a.dueMs)),
        /** OrderPlaced to OrderCompleted, the events' own times */
        sagaMs: percentiles(done.map((a) => a.run?.sagaMs ?? Number.NaN)),
        projectionLagMs: {
          events: lag.count,
          p50: histogramQuantile(lag, 0.5) * 1000,
          p99: histogramQuantile(lag, 0.99) * 1000,
          p999: histogramQuantile(lag, 0.999) * 1000,
          under250ms: shareUnder(lag, 0.25),
        },
      };
      log(
        `${topology} ${(share * 100).toFixed(0).padStart(3)} %: ${rate.toFixed(1)}/s offered, ` +
          `${result.completed}/${result.orders} completed, ${keptUp ? 'kept up' : 'FELL BEHIND'}, ${result.paymentRetries} payments retried; ` +
          `saga p50 ${result.sagaMs.p50.toFixed(0)} p99 ${result.sagaMs.p99.toFixed(0)} ms; ` +
          `lag p99 ${result.projectionLagMs.p99.toFixed(0)} ms`,
      );
      rates.push(result);
    }
    const kept = rates.filter((r) => r.keptUp);
    // Right after the load, within the panels' 5-minute windows: each query of the dashboard.
    const dashboard = stack.prometheusUrl ? await evaluateDashboard(stack.prometheusUrl) : null;
    return {
      topology,
      closedLoopMaximumPerSecond: maximum,
      noopClosedLoopMaximumPerSecond: noopMaximum,
      ordersToNoop: maximum / noopMaximum,
      noopShape,
      maximumSustainedPerSecond: kept.at(-1)?.offeredPerSecond ?? 0,
      rates,
      dashboard,
    };
  } finally {
    await receiver.stop();
    await stack?.stop();
    if (!o.keep) rmSync(data, { recursive: true, force: true });
  }
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(0) : '-').padStart(6);

function printDashboard(topology: string, panels: Evaluated[]): void {
  console.log(`\n${topology}: the dashboard's panel queries, evaluated by Prometheus after the load`);
  for (const p of panels) {
    console.log(
      `  ${p.series > 0 ? 'ok   ' : 'EMPTY'} ${p.panel.padEnd(50)} ${String(p.series).padStart(3)} series  ${p.first}`,
    );
  }
}

function printTable(results: Awaited<ReturnType<typeof measureTopology>>[]): void {
  console.log(
    '\ntopology  rate   offered/s  done/s  kept up | saga p50   p99  p99.9 | end-to-end p50   p99  p99.9 | lag p50   p99  p99.9 ms (≤250 ms)',
  );
  for (const r of results) {
    for (const x of r.rates) {
      console.log(
        `${r.topology.padEnd(8)} ${`${x.share * 100} %`.padStart(5)} ${x.offeredPerSecond.toFixed(1).padStart(10)} ` +
          `${x.achievedPerSecond.toFixed(1).padStart(7)} ${(x.keptUp ? 'yes' : 'NO').padStart(8)} |` +
          `${ms(x.sagaMs.p50)}${ms(x.sagaMs.p99)}${ms(x.sagaMs.p999)} |           ` +
          `${ms(x.endToEndMs.p50)}${ms(x.endToEndMs.p99)}${ms(x.endToEndMs.p999)} |   ` +
          `${ms(x.projectionLagMs.p50)}${ms(x.projectionLagMs.p99)}${ms(x.projectionLagMs.p999)}  (${(x.projectionLagMs.under250ms * 100).toFixed(1)} %)`,
      );
    }
    console.log(
      `${r.topology}: closed-loop maximum ${r.closedLoopMaximumPerSecond.toFixed(1)}/s (the no-op saga in the order's shape ` +
        `${r.noopClosedLoopMaximumPerSecond.toFixed(1)}/s: orders / no-op ${r.ordersToNoop.toFixed(2)}, an order here ` +
        `delivering a webhook too, which the no-op does not: \`npm run bench\` gives the like-for-like ratio); ` +
        `highest rate kept up with ${r.maximumSustainedPerSecond.toFixed(1)}/s`,
    );
  }
}

async function main(): Promise<void> {
  const o = options();
  log(`${o.topologies.join(' and ')}; ${o.seconds} s per rate`);
  const results = [];
  for (const topology of o.topologies) results.push(await measureTopology(o, topology));
  printTable(results);
  for (const r of results) if (r.dashboard) printDashboard(r.topology, r.dashboard);
  mkdirSync(dirname(o.out), { recursive: true });
  writeFileSync(
    o.out,
    `${JSON.stringify({ at: new Date().toISOString(), seconds: o.seconds, results }, null, 2)}\n`,
  );
  log(`saved ${[o.out, ...writeChartsOf(o.out)].join(', ')}`);
  const empty = results.flatMap((r) => r.dashboard ?? []).filter((p) => p.series === 0);
  if (empty.length > 0) throw new Error(`${empty.length} dashboard queries returned no series`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
