import { Progress } from '../scripts/progress';
import { writeChartsOf } from './charts';
import { connectTemporal } from '../worker/clients';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { call, json } from './http';
import { cpuSeconds, freePort, waitFor } from '../stack/process';
import type { Stack } from '../stack/stack';
import {
  addStock,
  benchProcess,
  placeAndPay,
  pool,
  type OrderRun,
  stackEnvironment,
  positiveInt,
  resultFile,
  RUN_FLAGS,
  startReadyStack,
} from './load';
import {
  histogramDiff,
  histogramOf,
  histogramQuantile,
  summarize,
  type Histogram,
  type Summary,
} from './stats';
import { authOf, BenchTokens } from './tokens';
import { NoopLimit, shapeOfOrder } from './noop-limit';
import type { Topology } from '../stack/stack';

/**
 * `npm run bench`: the whole stack (dev server, real stores, each process of its own) on free ports in
 * a temporary folder; N orders placed at concurrency C through the API and paid as soon as they await
 * payment, taking turns with the limit they are compared to, N runs of a no-op workflow in the shape
 * of an order's run (see `NoopLimit`); then `GET /orders/:id` under load, taking turns with its limit, a
 * bare Fastify route; last, a few orders one at a time, the saga's latency when nothing queues. Prints
 * the figures, the CPU each process spent, and the ratios, and saves them as JSON.
 */

interface Options {
  orders: number;
  concurrency: number;
  warmup: number;
  readSeconds: number;
  /** turns orders and the no-op saga take, each with its share of the N runs */
  turns: number;
  /** orders placed one at a time at the end: the saga's latency when nothing queues */
  lightOrders: number;
  out: string;
  keep: boolean;
  topology: Topology;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      ...RUN_FLAGS,
      'read-seconds': { type: 'string' },
      turns: { type: 'string' },
      'light-orders': { type: 'string' },
    },
  });
  const smoke = values.smoke ?? false;
  return {
    orders: positiveInt(values.orders, smoke ? 30 : 1000, 'orders'),
    concurrency: positiveInt(values.concurrency, smoke ? 4 : 32, 'concurrency'),
    warmup: smoke ? 4 : 50,
    readSeconds: positiveInt(values['read-seconds'], smoke ? 2 : 10, 'read-seconds'),
    turns: positiveInt(values.turns, smoke ? 2 : 4, 'turns'),
    lightOrders: positiveInt(values['light-orders'], smoke ? 4 : 100, 'light-orders'),
    out: resultFile(values.out, 'bench'),
    keep: values.keep ?? false,
    topology: values.cluster ? 'cluster' : 'dev',
  };
}

const log = (msg: string) => console.log(`[bench] ${msg}`);
const ms = (n: number) => `${n.toFixed(1)} ms`;

/** An order to read, and its customer's Authorization header (each customer reads its own). */
type Target = Pick<OrderRun, 'orderId' | 'authorization'>;

/** autocannon against GET /orders/:id over the given orders; requests per second and latency. */
async function hammer(
  base: string,
  targets: Target[],
  connections: number,
  seconds: number,
  prefix = '/orders',
) {
  let i = 0;
  const next = (req: autocannon.Request) => {
    const target = targets[i++ % targets.length] as Target;
    return {
      ...req,
      path: `${prefix}/${target.orderId}`,
      headers: { ...req.headers, authorization: target.authorization },
    };
  };
  const result = await autocannon({
    url: base,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: next }],
  });
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    seconds: result.duration,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
  };
}
type Hammered = Awaited<ReturnType<typeof hammer>>;

/** Rounds as one figure: requests over time, the median round's p50, the worst round's p99. */
function overRounds(rounds: Hammered[]): Hammered {
  const sum = (f: (h: Hammered) => number) => rounds.reduce((n, h) => n + f(h), 0);
  const p50s = rounds.map((h) => h.latencyP50Ms).sort((a, b) => a - b);
  return {
    rps: sum((h) => h.requests) / sum((h) => h.seconds),
    requests: sum((h) => h.requests),
    seconds: sum((h) => h.seconds),
    non2xx: sum((h) => h.non2xx),
    errors: sum((h) => h.errors),
    latencyP50Ms: p50s[Math.floor(p50s.length / 2)] ?? Number.NaN,
    latencyP99Ms: Math.max(...rounds.map((h) => h.latencyP99Ms)),
  };
}

/** CPU seconds used so far by each named process; the bench's own (load generator and SMTP sink) too. */
function cpuNow(pids: Record<string, number | null>): Record<string, number> {
  const own = process.cpuUsage();
  const used: Record<string, number> = { bench: (own.user + own.system) / 1e6 };
  for (const [name, pid] of Object.entries(pids)) {
    const s = pid === null ? null : cpuSeconds(pid);
    if (s !== null) used[name] = s;
  }
  return used;
}

/** CPU seconds each process used between two readings (those read both times). */
function cpuUsed(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([name]) => before[name] !== undefined)
      .map(([name, s]) => [name, s - (before[name] as number)]),
  );
}

/** Each process's figure times `factor`, largest first. */
function scaled(byProcess: Record<string, number>, factor: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byProcess)
      .map(([name, v]) => [name, v * factor] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** Milliseconds of CPU per run for each process, from the CPU seconds each used, largest first, and their total. */
function cpuPerRun(used: Record<string, number>, runs: number) {
  const byProcessMs = scaled(used, 1000 / runs);
  return { totalMs: Object.values(byProcessMs).reduce((sum, ms) => sum + ms, 0), byProcessMs };
}

/** One turn of a load: what it gave (for a closed loop, the runs it finished), how long it took, and the CPU each process used meanwhile. */
interface Turn<T = number> {
  value: T;
  seconds: number;
  cpu: Record<string, number>;
}

async function turn<T>(pids: () => Record<string, number | null>, load: () => Promise<T>): Promise<Turn<T>> {
  const before = cpuNow(pids());
  const t0 = performance.now();
  const value = await load();
  const seconds = (performance.now() - t0) / 1000;
  return { value, seconds, cpu: cpuUsed(before, cpuNow(pids())) };
}

/** The CPU seconds each process used over all the turns. */
function cpuOver(turns: Turn<unknown>[]): Record<string, number> {
  const cpu: Record<string, number> = {};
  for (const t of turns) for (const [name, sec] of Object.entries(t.cpu)) cpu[name] = (cpu[name] ?? 0) + sec;
  return cpu;
}

/** Turns of a closed loop as one figure: runs over time and CPU per run, and each turn's rate. */
function overTurns(turns: Turn[]) {
  const runs = turns.reduce((n, t) => n + t.value, 0);
  const seconds = turns.reduce((n, t) => n + t.seconds, 0);
  return {
    runs,
    perSecond: runs / seconds,
    cpu: cpuPerRun(cpuOver(turns), runs),
    turnsPerSecond: turns.map((t) => t.value / t.seconds),
  };
}

const scrape = async (url: string, name: string): Promise<Histogram> =>
  histogramOf(await fetch(`${url}/metrics`).then((r) => r.text()), name);

async function main(): Promise<void> {
  const o = options();
  const { data, env, config, workerPorts, apiOpsPort } = await stackEnvironment('bench', {
    RATE_LIMIT_MAX: '1000000000',
  });
  const port = () => freePort();
  const children: ChildProcess[] = [];
  let stack: Stack | null = null;
  let noopLimit: NoopLimit | null = null;
  let unexpected: string | null = null;
  try {
    log(
      `${o.orders} orders at concurrency ${o.concurrency}; ${o.topology} topology; ${cpus().length} CPUs; data in ${data}`,
    );
    stack = await startReadyStack(config, {
      env,
      workerPorts,
      apiOpsPort,
      topology: o.topology,
      onUnexpectedExit: (name, how) => (unexpected = `${name} exited (${how})`),
    });
    const api = stack.apiUrl;
    const tokens = new BenchTokens(authOf(config));
    await addStock(api, tokens, 'CB-004', o.orders + o.warmup + o.lightOrders, 'benchmark stock');
    const run = randomBytes(3).toString('hex');
    const check = () => {
      if (unexpected) throw new Error(unexpected);
    };

    log(`warm-up: ${o.warmup} orders`);
    const [warm] = await pool(
      o.warmup,
      o.concurrency,
      (i) => placeAndPay(api, tokens, `warm-${run}-${i}`, i),
      new Progress('warm-up', o.warmup),
    );
    check();

    // The no-op saga takes the shape of an order's run, read from its history: the same local and
    // ordinary activities, search-attribute writes, timer and Update, so the ratio measures only what
    // this project adds to what Temporal does for an order.
    const { client, connection } = await connectTemporal(config);
    const shape = await shapeOfOrder(client, warm?.orderId ?? '');
    noopLimit = await NoopLimit.start({
      client,
      config,
      env,
      shape,
      queue: `bench-noop-${run}`,
      logFile: join(data, 'logs', 'noop.log'),
    });
    const limit = noopLimit;
    const noop = (i: number, prefix: string) => limit.run(`${prefix}-${run}-${i}`);
    log(`warm-up of limit 2, the no-op saga in the order's shape (${limit.describe()}): ${o.warmup} runs`);
    await pool(
      o.warmup,
      o.concurrency,
      (i) => noop(i, 'noop-warm'),
      new Progress('warm-up no-op', o.warmup, 'runs'),
    );
    await limit.checkShapeOf(`noop-warm-${run}-0`);

    // Orders and their limit, the no-op saga, take turns in rounds, like GET and bare Fastify below:
    // the machine's speed drifts from minute to minute (the no-op alone measured 10.6-23.6 per second
    // between runs), and taking turns gives both the same conditions.
    log(`orders and limit 2, the no-op saga: ${o.orders} of each, in ${o.turns} turns…`);
    const lagBefore = await scrape(stack.opsUrls['projector-worker'], 'projection_lag_seconds');
    const keys = Array.from({ length: o.orders }, (_, i) => `bench-${run}-${i}`);
    const stackPids = () => Object.fromEntries(stack?.parts().map((p) => [p.name, p.pid()]) ?? []);
    const noopPids = () => ({ ...stackPids(), 'noop-worker': limit.pid });
    const runs: OrderRun[] = [];
    const orderTurns: Turn[] = [];
    const noopTurns: Turn[] = [];
    for (let round = 0; round < o.turns; round++) {
      const from = Math.floor((o.orders * round) / o.turns);
      const size = Math.floor((o.orders * (round + 1)) / o.turns) - from;
      orderTurns.push(
        await turn(stackPids, async () => {
          const done = await pool(
            size,
            o.concurrency,
            (i) => placeAndPay(api, tokens, keys[from + i] ?? '', from + i),
            new Progress(`turn ${round + 1}/${o.turns} orders`, size),
          );
          runs.push(...done);
          return done.filter((r) => r.status === 'COMPLETED').length;
        }),
      );
      check();
      noopTurns.push(
        await turn(noopPids, async () => {
          await pool(
            size,
            o.concurrency,
            (i) => noop(from + i, 'noop'),
            new Progress(`turn ${round + 1}/${o.turns} no-op`, size, 'runs'),
          );
          return size;
        }),
      );
      check();
    }
    await noopLimit.stop();
    noopLimit = null;
    await connection.close();
    const lag = histogramDiff(
      await scrape(stack.opsUrls['projector-worker'], 'projection_lag_seconds'),
      lagBefore,
    );
    const orders = overTurns(orderTurns);
    const noops = overTurns(noopTurns);
    const ids = runs.map((r) => r.orderId);

    // GET /orders/:id and its limit, a bare Fastify route, take turns in rounds of 2 s: this machine's
    // speed drifts from minute to minute (the bare figure alone ranged 22-40 k req/s between runs), and
    // taking turns gives both the same conditions. The limit sends the bytes of a real answer as a
    // constant, like for like; the 43-byte constant it sent before still takes its turns, for
    // comparison (here both are held to the load generator's rate, which shares the two cores).
    const answer = await call('GET', `${api}/orders/${ids[0] ?? ''}`, {
      headers: { authorization: runs[0]?.authorization ?? '' },
    });
    json(answer, [200]);
    log(
      `GET /orders/:id and limit 1, bare Fastify sending the same ${answer.text.length}-byte answer (and a 43-byte one): ${o.readSeconds} s each, in turns…`,
    );
    const barePort = await port();
    children.push(
      benchProcess(
        'bare-http.js',
        { PORT: String(barePort), BARE_BODY: answer.text },
        join(data, 'logs', 'bare.log'),
      ),
    );
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await waitFor('bare Fastify', () => fetch(`${bareUrl}/orders/x`).then((r) => r.ok));
    const roundSeconds = Math.min(2, o.readSeconds);
    // Each API round keeps the CPU each process took meanwhile (what competed with the API).
    const apiRounds: Turn<Hammered>[] = [];
    const bareRounds: Hammered[] = [];
    const smallRounds: Hammered[] = [];
    for (let left = o.readSeconds; left > 0; left -= roundSeconds) {
      apiRounds.push(await turn(stackPids, () => hammer(api, runs, o.concurrency, roundSeconds)));
      bareRounds.push(await hammer(bareUrl, runs, o.concurrency, roundSeconds));
      smallRounds.push(await hammer(bareUrl, runs, o.concurrency, roundSeconds, '/small'));
      check();
    }
    const reads = overRounds(apiRounds.map((r) => r.value));
    const bare = { ...overRounds(bareRounds), bytes: answer.text.length };
    const bareSmall = overRounds(smallRounds);
    const readCpuPercent = scaled(cpuOver(apiRounds), 100 / reads.seconds);

    // The saga's latency with nothing queued: at concurrency C, C orders in flight share two cores, and
    // an order waits behind the others (C in flight at R orders/s is C/R seconds per client round).
    log(`light load: ${o.lightOrders} orders one at a time…`);
    const light = await pool(
      o.lightOrders,
      1,
      (i) => placeAndPay(api, tokens, `light-${run}-${i}`, i),
      new Progress('light load', o.lightOrders),
    );
    check();
    const lightSaga = summarize(light.map((r) => r.sagaMs));
    const saga = summarize(runs.map((r) => r.sagaMs));
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      orders: o.orders,
      concurrency: o.concurrency,
      noopShape: shape,
      results: {
        ordersCompleted: orders.runs,
        ordersPerSecond: orders.perSecond,
        postOrderMs: summarize(runs.map((r) => r.postMs)),
        sagaPlacedToCompletedMs: saga,
        endToEndMs: summarize(runs.map((r) => r.endToEndMs)),
        projectionLagMs: {
          events: lag.count,
          p50: histogramQuantile(lag, 0.5) * 1000,
          p99: histogramQuantile(lag, 0.99) * 1000,
          mean: lag.count ? (lag.sum / lag.count) * 1000 : Number.NaN,
        },
        getOrder: { ...reads, cpuPercentOfCore: readCpuPercent },
        lightLoad: {
          orders: o.lightOrders,
          completed: light.filter((r) => r.status === 'COMPLETED').length,
          sagaPlacedToCompletedMs: lightSaga,
          endToEndMs: summarize(light.map((r) => r.endToEndMs)),
        },
        // CPU per order by process while the orders ran: the whole machine's cost of one order
        cpuPerOrder: orders.cpu,
      },
      limits: {
        bareFastify: bare,
        bareFastifySmall: bareSmall,
        noopSagaPerSecond: noops.perSecond,
        cpuPerNoopSaga: noops.cpu,
      },
      ratios: {
        getOrderToBareFastify: reads.rps / bare.rps,
        getOrderToBareFastifySmall: reads.rps / bareSmall.rps,
        ordersToNoopSaga: orders.perSecond / noops.perSecond,
        // each turn of orders against the no-op turn that followed it: how much the ratio moves
        ordersToNoopSagaByTurn: orders.turnsPerSecond.map(
          (r, i) => r / (noops.turnsPerSecond[i] ?? Number.NaN),
        ),
      },
      targets: {
        getOrderToBareFastify: 0.6,
        ordersToNoopSaga: 0.7,
        sagaP50Ms: 300,
      },
    };
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${JSON.stringify(report, null, 2)}\n`);
    print(report.results, report.limits, report.ratios, saga, o);
    log(`saved ${[o.out, ...writeChartsOf(o.out)].join(', ')}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await noopLimit?.stop();
    await stack?.stop();
    if (!o.keep) rmSync(data, { recursive: true, force: true });
  }
}

type CpuPerRun = ReturnType<typeof cpuPerRun>;

function print(
  r: {
    ordersCompleted: number;
    ordersPerSecond: number;
    postOrderMs: Summary;
    endToEndMs: Summary;
    projectionLagMs: { p50: number; p99: number; events: number };
    getOrder: { rps: number; latencyP99Ms: number; non2xx: number; cpuPercentOfCore: Record<string, number> };
    cpuPerOrder: CpuPerRun;
    lightLoad: { orders: number; completed: number; sagaPlacedToCompletedMs: Summary };
  },
  limits: {
    bareFastify: { rps: number; latencyP99Ms: number; bytes: number };
    bareFastifySmall: { rps: number; latencyP99Ms: number };
    noopSagaPerSecond: number;
    cpuPerNoopSaga: CpuPerRun;
  },
  ratios: {
    getOrderToBareFastify: number;
    getOrderToBareFastifySmall: number;
    ordersToNoopSaga: number;
    ordersToNoopSagaByTurn: number[];
  },
  saga: Summary,
  o: Options,
): void {
  const mark = (ok: boolean) => (ok ? 'ok' : 'BELOW TARGET');
  const listed = (byProcess: Record<string, number>) =>
    Object.entries(byProcess)
      .map(([name, v]) => `${name} ${v.toFixed(0)}`)
      .join(', ');
  const cpu = (c: CpuPerRun) => `${c.totalMs.toFixed(0)} ms: ${listed(c.byProcessMs)}`;
  const light = r.lightLoad.sagaPlacedToCompletedMs;
  console.log(`
orders                 ${r.ordersCompleted}/${o.orders} completed, ${r.ordersPerSecond.toFixed(1)} orders/s (concurrency ${o.concurrency})
POST /orders           p50 ${ms(r.postOrderMs.p50)}  p99 ${ms(r.postOrderMs.p99)}
saga placed→completed  p50 ${ms(saga.p50)}  p99 ${ms(saga.p99)}   (at concurrency ${o.concurrency}: ${o.concurrency} orders share the cores; target p50 < 300 ms: ${mark(saga.p50 < 300)})
  one order at a time  p50 ${ms(light.p50)}  p99 ${ms(light.p99)}   (${r.lightLoad.completed}/${r.lightLoad.orders} completed; target p50 < 300 ms: ${mark(light.p50 < 300)})
client end to end      p50 ${ms(r.endToEndMs.p50)}  p99 ${ms(r.endToEndMs.p99)}
projection lag         p50 ${ms(r.projectionLagMs.p50)}  p99 ${ms(r.projectionLagMs.p99)}  (${r.projectionLagMs.events} events)
GET /orders/:id        ${r.getOrder.rps.toFixed(0)} req/s  p99 ${ms(r.getOrder.latencyP99Ms)}  non-2xx ${r.getOrder.non2xx}
  CPU meanwhile, % of a core: ${listed(r.getOrder.cpuPercentOfCore)}
limit: bare Fastify    ${limits.bareFastify.rps.toFixed(0)} req/s  p99 ${ms(limits.bareFastify.latencyP99Ms)}   (the same ${limits.bareFastify.bytes}-byte answer, a constant)
  with a 43-byte one   ${limits.bareFastifySmall.rps.toFixed(0)} req/s  p99 ${ms(limits.bareFastifySmall.latencyP99Ms)}
limit: no-op saga      ${limits.noopSagaPerSecond.toFixed(1)} workflows/s
CPU per order          ${cpu(r.cpuPerOrder)}
CPU per no-op saga     ${cpu(limits.cpuPerNoopSaga)}
ratio GET / bare       ${ratios.getOrderToBareFastify.toFixed(2)}   (target ≥ 0.6: ${mark(ratios.getOrderToBareFastify >= 0.6)}; to the 43-byte constant ${ratios.getOrderToBareFastifySmall.toFixed(2)})
ratio orders / no-op   ${ratios.ordersToNoopSaga.toFixed(2)}   (target ≥ 0.7: ${mark(ratios.ordersToNoopSaga >= 0.7)}; turn by turn ${ratios.ordersToNoopSagaByTurn.map((x) => x.toFixed(2)).join(' ')})
`);
}

main().catch((err: unknown) => {
  console.error('[bench] failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
