import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serviceUrls, type Config } from '../config';
import { freePort, killAndWait, spawnLogged, spawnService, stopChild, type Service } from './process';
import { startMailpit, type Mailbox } from './mailpit';
import { startMongo, startRedis } from './stores';
import { startTemporal } from './temporal';
import { startTemporalCluster, type InternalPorts } from './temporal-cluster';
import { startPrometheus, type ScrapeJob } from './prometheus';
import { startTemporalUi } from './temporal-ui';
import { startPostgres } from './postgres';
import { startLoadBalancer } from './load-balancer';

/** One running piece of the stack that can be stopped, killed and started again (same port, same data). */
export interface Part {
  readonly name: string;
  /** where to reach it (for a worker: its task queue and metrics URL) */
  readonly url: string;
  running(): boolean;
  /** the process id while it runs (null for a part without a process of its own, or stopped) */
  pid(): number | null;
  start(): Promise<void>;
  /** SIGTERM (a server's or worker's own graceful stop), SIGKILL after a grace period */
  stop(): Promise<void>;
  /** a signal, as a crash would; resolves once the process has exited */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export const WORKERS = ['saga-worker', 'projector-worker', 'webhook-worker'] as const;
/** The Web UI's origins, as a browser names them: the codec server answers these. */
const uiOrigins = (config: Config) =>
  [`http://127.0.0.1:${config.temporalUiPort}`, `http://localhost:${config.temporalUiPort}`].join(',');

type Worker = (typeof WORKERS)[number];
/** A part's name; a second replica of a worker or the API is `<name>-2` (the cluster topology). */
export type PartName =
  | 'temporal'
  | 'postgres'
  | 'redis'
  | 'mongo'
  | 'mailbox'
  | 'load-balancer'
  | 'prometheus'
  | 'temporal-ui'
  | Worker
  | `${Worker}-2`
  | 'api'
  | 'api-2';

/**
 * `dev`: the Temporal CLI's dev server (SQLite, one shard, its Web UI) and one process of each kind.
 * `cluster`: the Temporal server on PostgreSQL (four shards, archival), two processes of each worker
 * and two of the API behind nginx, as a production deployment has them.
 */
export type Topology = 'dev' | 'cluster';

export interface Stack {
  config: Config;
  part(name: PartName): Part;
  /** started parts, oldest first */
  parts(): Part[];
  /** the local mailbox (Mailpit) when the stack runs its own (no SMTP_URL given) */
  readonly mailbox: Mailbox | null;
  apiUrl: string;
  temporalUiUrl: string;
  /** where each worker, and the API, serves /metrics and /health (its first replica) */
  opsUrls: Record<(typeof WORKERS)[number] | 'api', string>;
  /** the cluster's Prometheus, scraping every process (null on the dev topology) */
  prometheusUrl: string | null;
  /** where every replica of each worker serves /metrics and /health */
  replicaOpsUrls: Record<(typeof WORKERS)[number], string[]>;
  logsDir: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** the environment the processes get (the config was read from it) */
  env: NodeJS.ProcessEnv;
  /** each worker's ops and SDK metrics ports; by default OPS_PORT, +2, +4 (the SDK's one above each) */
  workerPorts?: { ops: number; sdk: number }[];
  /** the API's ops port (its metrics); by default OPS_PORT + 6 */
  apiOpsPort?: number;
  /** a process of ours exited without being asked to */
  onUnexpectedExit?: (name: string, how: string) => void;
  /** a part has started */
  onStarted?: (part: Part) => void;
  /** dev (default) or cluster */
  topology?: Topology;
}

/** Free ports for the Temporal server's other services, their membership and its metrics. */
async function temporalInternalPorts(): Promise<InternalPorts> {
  return {
    history: await freePort(),
    matching: await freePort(),
    worker: await freePort(),
    frontendMembership: await freePort(),
    historyMembership: await freePort(),
    matchingMembership: await freePort(),
    workerMembership: await freePort(),
    metrics: await freePort(),
  };
}

/** A part whose life is a Service: started by `boot`, stopped with SIGTERM. */
function servicePart(name: string, boot: () => Promise<Service & { child?: ChildProcess }>): Part {
  let current: (Service & { child?: ChildProcess }) | null = null;
  let url = '';
  return {
    name,
    get url() {
      return url;
    },
    running: () => current !== null,
    pid: () => current?.child?.pid ?? null,
    async start() {
      if (current) return;
      current = await boot();
      url = current.url;
    },
    async stop() {
      const s = current;
      current = null;
      await s?.stop();
    },
    async kill(signal = 'SIGKILL') {
      const s = current;
      current = null;
      // A part without a process of its own is simply stopped.
      if (s?.child) await killAndWait(s.child, signal);
      else await s?.stop();
    },
  };
}

/**
 * Brings the whole system up on 127.0.0.1: Temporal dev server with its Web UI, the Mongo-compatible
 * store, Redis, the mailbox, the saga, projector and webhook workers and the API, each a process of
 * its own (the built `dist/` entry points). State lives under the config's DATA_DIR and survives a
 * restart of any part. `npm start`, the benchmark and the reliability suite all run this.
 */
export async function startStack(config: Config, opts: StackOptions): Promise<Stack> {
  const { cacheDir, dataDir } = config;
  const logsDir = join(dataDir, 'logs');
  const urls = serviceUrls(config);
  const childEnv: NodeJS.ProcessEnv = {
    ...opts.env,
    MONGODB_URL: urls.mongodb,
    REDIS_URL: urls.redis,
    SMTP_URL: urls.smtp,
    TEMPORAL_ADDRESS: config.temporalAddress,
    DATA_DIR: dataDir,
  };
  const started: Part[] = [];
  const byName = new Map<string, Part>();
  const add = async (part: Part): Promise<Part> => {
    await part.start();
    started.push(part);
    byName.set(part.name, part);
    opts.onStarted?.(part);
    return part;
  };
  const entry = (script: string) => join(__dirname, '..', script);
  const ports = WORKERS.map(
    (_, i) => opts.workerPorts?.[i] ?? { ops: config.opsPort + 2 * i, sdk: config.opsPort + 2 * i + 1 },
  );
  const apiOpsPort = opts.apiOpsPort ?? config.opsPort + 6;
  const opsUrls = Object.fromEntries([
    ...WORKERS.map((w, i) => [w, `http://${config.opsHost}:${ports[i]?.ops}`]),
    ['api', `http://${config.opsHost}:${apiOpsPort}`],
  ]) as Stack['opsUrls'];
  const replicaOpsUrls = Object.fromEntries(
    WORKERS.map((w) => [w, [] as string[]]),
  ) as Stack['replicaOpsUrls'];

  /** One of our processes; an exit nobody asked for is reported. */
  const processPart = (name: string, url: string, spawnIt: () => Promise<ChildProcess>): Part => {
    let child: ChildProcess | null = null;
    return {
      name,
      url,
      running: () => child !== null,
      pid: () => child?.pid ?? null,
      async start() {
        if (child) return;
        const c = await spawnIt();
        child = c;
        c.once('exit', (code, signal) => {
          if (child !== c) return; // stopped or killed on purpose
          child = null;
          opts.onUnexpectedExit?.(name, String(signal ?? code));
        });
      },
      async stop() {
        const c = child;
        child = null;
        if (c) await stopChild(c, config.workerShutdownGraceMs + 5_000);
      },
      async kill(signal = 'SIGKILL') {
        const c = child;
        child = null;
        if (c) await killAndWait(c, signal);
      },
    };
  };

  const stop = async () => {
    for (const p of [...started].reverse()) {
      await p.stop().catch((err: unknown) => console.error(`stopping ${p.name}:`, err));
    }
  };

  const cluster = opts.topology === 'cluster';
  const apiUrl = `http://${config.apiHost}:${config.apiPort}`;
  const replicas = cluster ? 2 : 1;
  try {
    const temporalPort = Number(config.temporalAddress.split(':')[1]);
    // The cluster's ports are chosen once: a part restarted (the reliability suite) keeps its own.
    const postgresPort = cluster ? await freePort() : 0;
    const internalPorts = cluster ? await temporalInternalPorts() : null;
    if (cluster) await add(servicePart('postgres', () => startPostgres({ dataDir, port: postgresPort })));
    const temporal = internalPorts
      ? servicePart('temporal', () =>
          startTemporalCluster({
            cacheDir,
            dataDir,
            port: temporalPort,
            internalPorts,
            postgresPort,
            namespace: config.temporalNamespace,
            shards: 4,
          }),
        )
      : servicePart('temporal', () =>
          startTemporal({
            cacheDir,
            dataDir,
            port: temporalPort,
            uiPort: config.temporalUiPort,
            namespace: config.temporalNamespace,
            codecEndpoint: `${apiUrl}/codec`,
          }),
        );
    await Promise.all([
      add(temporal),
      config.redisUrl
        ? null
        : add(servicePart('redis', () => startRedis({ cacheDir, dataDir, port: config.redisPort }))),
      config.mongodbUrl
        ? null
        : add(servicePart('mongo', () => startMongo({ cacheDir, dataDir, port: config.mongoPort }))),
    ]);
    let mailbox: Mailbox | null = null;
    if (!config.smtpUrl) {
      const boot = { cacheDir, dataDir, smtpPort: config.smtpPort, uiPort: config.mailboxPort };
      await add(
        servicePart('mailbox', async () => {
          const started = await startMailpit(boot);
          mailbox = started;
          // its process changes when it restarts with other recipients (acceptOnly)
          return {
            name: 'mailbox',
            url: started.url,
            stop: () => started.stop(),
            get child() {
              return started.child() ?? undefined;
            },
          };
        }),
      );
    }
    // `node --cpu-prof bench.js` profiles the stack's own processes too, each writing its own profile.
    const profiling = process.execArgv.filter((arg) => arg.startsWith('--cpu-prof'));
    const queues = [config.ordersTaskQueue, config.projectionsTaskQueue, config.webhooksTaskQueue];
    // What the cluster's Prometheus scrapes: each process's /metrics (and each worker's SDK metrics).
    const scrapeJobs: ScrapeJob[] = [];
    const prometheusPort = cluster ? await freePort() : 0;
    for (const [i, worker] of WORKERS.entries()) {
      for (let r = 1; r <= replicas; r++) {
        const name = r === 1 ? worker : `${worker}-${r}`;
        const own = r === 1 ? ports[i] : { ops: await freePort(), sdk: await freePort() };
        replicaOpsUrls[worker].push(`http://${config.opsHost}:${own?.ops}`);
        scrapeJobs.push({
          job: name,
          targets: [`${config.opsHost}:${own?.ops}`, `${config.opsHost}:${own?.sdk}`],
        });
        const url = `task queue "${queues[i]}", http://${config.opsHost}:${own?.ops}/metrics`;
        await add(
          processPart(name, url, async () =>
            spawnLogged({
              name,
              command: process.execPath,
              args: [...profiling, entry(`worker/${worker}.js`)],
              logFile: join(logsDir, `${name}.log`),
              env: { ...childEnv, OPS_PORT: String(own?.ops), SDK_METRICS_PORT: String(own?.sdk) },
            }),
          ),
        );
      }
    }
    // On the cluster the API processes listen on ports of their own, nginx on the API's.
    const apiPorts = cluster ? [await freePort(), await freePort()] : [config.apiPort];
    for (const [r, port] of apiPorts.entries()) {
      const name = r === 0 ? 'api' : `api-${r + 1}`;
      const url = `http://${config.apiHost}:${port}`;
      const opsPort = r === 0 ? apiOpsPort : await freePort();
      scrapeJobs.push({ job: name, targets: [`${config.opsHost}:${opsPort}`] });
      await add(
        processPart(name, url, async () => {
          const s = await spawnService({
            name,
            command: process.execPath,
            args: [...profiling, entry('api/server.js')],
            port,
            url,
            logFile: join(logsDir, `${name}.log`),
            env: {
              CODEC_CORS_ORIGINS: uiOrigins(config),
              ...(cluster ? { TRUST_PROXY: '127.0.0.1' } : {}),
              ...childEnv,
              API_PORT: String(port),
              OPS_PORT: String(opsPort),
            },
          });
          return s.child;
        }),
      );
    }
    if (cluster) {
      await add(
        servicePart('load-balancer', () =>
          startLoadBalancer({ dataDir, port: config.apiPort, upstreams: apiPorts }),
        ),
      );
      await add(
        servicePart('temporal-ui', () =>
          startTemporalUi({
            cacheDir,
            dataDir,
            port: config.temporalUiPort,
            temporalAddress: config.temporalAddress,
            namespace: config.temporalNamespace,
            codecEndpoint: `${apiUrl}/codec`,
          }),
        ),
      );
      if (internalPorts)
        scrapeJobs.push({ job: 'temporal', targets: [`127.0.0.1:${internalPorts.metrics}`] });
      const jobs = scrapeJobs;
      await add(
        servicePart('prometheus', () =>
          startPrometheus({ dataDir, port: prometheusPort, jobs, scrapeIntervalSeconds: 2 }),
        ),
      );
    }
    return {
      config,
      part: (name) => {
        const p = byName.get(name);
        if (!p) throw new Error(`no part "${name}" in this stack`);
        return p;
      },
      parts: () => [...started],
      get mailbox() {
        return mailbox;
      },
      apiUrl,
      temporalUiUrl: cluster ? `http://127.0.0.1:${config.temporalUiPort}` : temporal.url,
      prometheusUrl: cluster ? `http://127.0.0.1:${prometheusPort}` : null,
      opsUrls,
      replicaOpsUrls,
      logsDir,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
