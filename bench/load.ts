import type { ChildProcess } from 'node:child_process';
import type { Progress } from '../scripts/progress';
import { formatPayloadKeys, newPayloadKeys } from '../infra/payload-codec';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, type Config } from '../config';
import { freePort, spawnLogged, waitFor } from '../stack/process';
import { startStack, WORKERS, type PartName, type Stack, type StackOptions } from '../stack/stack';
import { call, json } from './http';
import type { BenchTokens } from './tokens';

/** What the benchmark and the reliability suite share: a stack's environment, load, HTTP helpers. */

/** The flags both scripts take: --orders N --concurrency C --smoke --out FILE --keep (the data folder). */
export const RUN_FLAGS = {
  orders: { type: 'string' },
  concurrency: { type: 'string' },
  smoke: { type: 'boolean', default: false },
  out: { type: 'string' },
  keep: { type: 'boolean', default: false },
  /** the production-shaped topology (stack/stack.ts): Temporal on PostgreSQL, two of every process */
  cluster: { type: 'boolean', default: false },
} as const;

/** The stack started and ready: the API's and each worker's `/health/ready` answer 200. */
export async function startReadyStack(config: Config, opts: StackOptions): Promise<Stack> {
  const stack = await startStack(config, opts);
  const ready = (url: string) => fetch(url).then((r) => r.status === 200);
  let waitingFor = 'api';
  try {
    // A part that exits while starting ends the wait at once, not after the timeout.
    const gaveUp = (name: PartName) => () => (stack.part(name).running() ? null : `${name} exited`);
    await waitFor('the API ready', () => ready(`${stack.apiUrl}/health/ready`), {
      timeoutMs: 120_000,
      gaveUp: gaveUp('api'),
    });
    // Every replica (the cluster's second of each too: one that failed to start went unnoticed until
    // the load, with its log no longer at hand).
    for (const w of WORKERS) {
      for (const [i, url] of stack.replicaOpsUrls[w].entries()) {
        const name: PartName = i === 0 ? w : `${w}-2`;
        waitingFor = name;
        await waitFor(`${name} ready`, () => ready(`${url}/health/ready`), {
          timeoutMs: 120_000,
          gaveUp: gaveUp(name),
        });
      }
    }
    return stack;
  } catch (err) {
    // Not ready: what it logged says why (the data folder may be removed next), and nothing it
    // started is left running.
    const tail = readLogTail(join(stack.logsDir, `${waitingFor}.log`), 20);
    await stack.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}; ${waitingFor}.log ends:\n${tail}`);
  }
}

function readLogTail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Stock for a run: `delta` more units of `sku`, through the admin API. */
export async function addStock(api: string, tokens: BenchTokens, sku: string, delta: number, reason: string) {
  const res = await call('POST', `${api}/products/${sku}/stock-adjustments`, {
    headers: { authorization: tokens.admin },
    body: { delta, reason },
  });
  return json(res, [200]);
}

/** A command-line count: the given value, else the default; anything but a positive integer is refused. */
export function positiveInt(value: string | undefined, fallback: number, flag: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${value}`);
  return n;
}

/** Where a run's JSON goes: the given path, else bench/results/<kind>-<time>.json. */
export const resultFile = (given: string | undefined, kind: string): string =>
  resolve(
    given ?? join('bench', 'results', `${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  );

/**
 * The environment of a stack of our own: a temporary data folder, free loopback ports for every
 * server, a random admin key; nothing from the caller's MONGODB_URL/REDIS_URL/SMTP_URL/TEMPORAL_ADDRESS.
 */
export async function stackEnvironment(
  name: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<{
  data: string;
  env: NodeJS.ProcessEnv;
  config: Config;
  workerPorts: { ops: number; sdk: number }[];
  apiOpsPort: number;
}> {
  const data = mkdtempSync(join(tmpdir(), `order-saga-${name}-`));
  const port = () => freePort().then(String);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: data,
    TEMPORAL_PORT: await port(),
    TEMPORAL_UI_PORT: await port(),
    MONGO_PORT: await port(),
    REDIS_PORT: await port(),
    SMTP_PORT: await port(),
    MAILBOX_PORT: await port(),
    API_PORT: await port(),
    // The stack's own issuer: the benchmark signs its callers' tokens with it (bench/tokens.ts).
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url'),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // Payloads encrypted, as in production: the codec's cost is part of what is measured.
    PAYLOAD_KEYS: formatPayloadKeys(newPayloadKeys('bench-1')),
    ...extra,
  };
  for (const k of ['MONGODB_URL', 'REDIS_URL', 'SMTP_URL', 'TEMPORAL_ADDRESS']) delete env[k];
  const workerPorts = [];
  for (let i = 0; i < WORKERS.length; i++) workerPorts.push({ ops: await freePort(), sdk: await freePort() });
  return { data, env, config: loadConfig(env), workerPorts, apiOpsPort: await freePort() };
}

export interface OrderView {
  orderId: string;
  customer: { id: string };
  status: string;
  total: number;
  currency: string | null;
  timeline: { type: string; at: string }[];
  freshness: { projectedAt: string; seq: number };
}

export interface OrderRun {
  /** the server's id of the order */
  orderId: string;
  /** the Authorization header of its customer */
  authorization: string;
  postMs: number;
  endToEndMs: number;
  sagaMs: number;
  status: string;
  /** payments answered 503 and sent again */
  paymentRetries: number;
}

/** Runs `jobs` jobs at most `concurrency` at a time; with `progress`, shows it while they run. */
export async function pool<T>(
  jobs: number,
  concurrency: number,
  job: (i: number) => Promise<T>,
  progress?: Progress,
): Promise<T[]> {
  const results: T[] = new Array<T>(jobs);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, jobs) }, async () => {
      for (let i = next++; i < jobs; i = next++) {
        results[i] = await job(i);
        progress?.tick();
      }
    }),
  );
  progress?.end();
  return results;
}

/** One customer's order, paid as soon as it awaits payment; resolves when it is completed. */
export async function placeAndPay(
  api: string,
  tokens: BenchTokens,
  key: string,
  n: number,
): Promise<OrderRun> {
  const t0 = performance.now();
  // The customer's own token: it places, reads and pays its order.
  const headers = { authorization: tokens.customer(`bench-customer-${n % 100}`) };
  const placed = await call('POST', `${api}/orders`, {
    headers: { 'idempotency-key': key, ...headers },
    body: { items: [{ sku: 'CB-004', quantity: 1 }] },
  });
  const { orderId: id } = json<{ orderId: string }>(placed, [202]);
  const postMs = performance.now() - t0;
  // Long-poll: each read waits (server side, woken by the projector) for the next version.
  const read = (minSeq: number) =>
    call('GET', `${api}/orders/${id}?minSeq=${minSeq}`, { headers }).then((r) => json<OrderView>(r, [200]));
  const seqOf = (o: OrderView) => o.freshness.seq;
  const deadline = Date.now() + 60_000;
  // Each `minSeq` read waits up to 3 s; under load the first event may take longer to be projected,
  // and until then the order is not found: a client asks again.
  let order: OrderView | null = null;
  while (order === null) {
    const first = await call('GET', `${api}/orders/${id}?minSeq=1`, { headers });
    if (first.status !== 404 || Date.now() > deadline) order = json<OrderView>(first, [200]);
  }
  while (order.status !== 'AWAITING_PAYMENT') {
    if (['REJECTED', 'CANCELLED', 'FAILED', 'COMPLETED'].includes(order.status)) break;
    if (Date.now() > deadline) throw new Error(`order ${id} still ${order.status} after 60 s`);
    order = await read(seqOf(order) + 1);
  }
  let paymentRetries = 0;
  if (order.status === 'AWAITING_PAYMENT') {
    // A 503 (the run did not take the payment in time: the machine is saturated) is the client's to
    // retry, with the same reference, as the API says; the retries are counted.
    const pay = () =>
      call('POST', `${api}/orders/${id}/payments`, {
        headers,
        body: { amount: order?.total, currency: order?.currency, reference: `pay-${id}` },
      });
    let paid = await pay();
    while (paid.status === 503 && paymentRetries < 10) {
      paymentRetries++;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      paid = await pay();
    }
    json(paid, [200, 202]);
    while (order.status !== 'COMPLETED') {
      if (Date.now() > deadline) throw new Error(`order ${id} still ${order.status} after 60 s`);
      order = await read(seqOf(order) + 1);
    }
  }
  const endToEndMs = performance.now() - t0;
  const at = (type: string) => Date.parse(order.timeline.find((e) => e.type === type)?.at ?? '');
  return {
    orderId: id,
    authorization: headers.authorization,
    postMs,
    endToEndMs,
    sagaMs: at('OrderCompleted') - at('OrderPlaced'),
    status: order.status,
    paymentRetries,
  };
}

/** A helper process of the benchmark (bare Fastify, the no-op worker): a script of `bench/`, its output in `logFile`. */
export const benchProcess = (script: string, env: NodeJS.ProcessEnv, logFile: string): ChildProcess =>
  spawnLogged({ name: script, command: process.execPath, args: [join(__dirname, script)], logFile, env });
