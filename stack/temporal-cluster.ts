import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { binaries } from './binaries';
import { spawnService, writeConfigFile, type Service } from './process';

export interface TemporalClusterOptions {
  cacheDir: string;
  dataDir: string;
  /** the frontend's gRPC port: what clients and workers dial */
  port: number;
  /** the other services' gRPC ports, every service's membership port, the metrics port */
  internalPorts: InternalPorts;
  postgresPort: number;
  namespace: string;
  /** history shards: fixed for the life of the cluster's database */
  shards: number;
}

export interface InternalPorts {
  history: number;
  matching: number;
  worker: number;
  frontendMembership: number;
  historyMembership: number;
  matchingMembership: number;
  workerMembership: number;
  metrics: number;
}

const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

/** The SQL tool against one database of the stack's PostgreSQL. */
function sqlTool(o: TemporalClusterOptions, database: string, args: string[]): string {
  return execFileSync(
    binaries(o.cacheDir).temporalSqlTool(),
    [
      '--plugin',
      'postgres12',
      '--ep',
      '127.0.0.1',
      '-p',
      String(o.postgresPort),
      '-u',
      'postgres',
      '--db',
      database,
      ...args,
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/**
 * The databases and schemas of the Temporal server, made on the first start and brought up to the
 * server's schema version on every start (`update-schema` applies only what is missing).
 */
export function setUpTemporalSchema(o: TemporalClusterOptions): void {
  const schemas = binaries(o.cacheDir).temporalSchemaDir();
  for (const [kind, database] of Object.entries(DATABASES)) {
    try {
      sqlTool(o, database, ['create-database']);
      sqlTool(o, database, ['setup-schema', '-v', '0.0']);
    } catch (err) {
      if (!String((err as { stderr?: string }).stderr ?? err).includes('already exists')) throw err;
    }
    sqlTool(o, database, ['update-schema', '-d', join(schemas, 'postgresql', 'v12', kind, 'versioned')]);
  }
}

/** The server's configuration: PostgreSQL persistence and SQL visibility, archival to files. */
export function temporalClusterConfig(o: TemporalClusterOptions): Record<string, unknown> {
  const p = o.internalPorts;
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `127.0.0.1:${o.postgresPort}`,
      connectProtocol: 'tcp',
      user: 'postgres',
      password: '',
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true },
  });
  const archive = resolve(o.dataDir, 'temporal-archival');
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: o.shards,
      datastores: { default: sql(DATABASES.temporal, 40), visibility: sql(DATABASES.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${p.metrics}` },
      },
    },
    services: {
      frontend: service(o.port, p.frontendMembership),
      history: service(p.history, p.historyMembership),
      matching: service(p.matching, p.matchingMembership),
      worker: service(p.worker, p.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `127.0.0.1:${o.port}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: {
      history: {
        state: 'enabled',
        enableRead: true,
        provider: { filestore: { fileMode: '0666', dirMode: '0766' } },
      },
      visibility: {
        state: 'enabled',
        enableRead: true,
        provider: { filestore: { fileMode: '0666', dirMode: '0766' } },
      },
    },
    namespaceDefaults: {
      archival: {
        history: { state: 'enabled', URI: `file://${archive}/history` },
        visibility: { state: 'enabled', URI: `file://${archive}/visibility` },
      },
    },
    dynamicConfigClient: { filepath: resolve('ops/temporal/dynamicconfig.yaml'), pollInterval: '10s' },
  };
}

/**
 * The Temporal server itself (all four services in one process), on the stack's PostgreSQL, with
 * the namespace and the search attributes made once it answers.
 */
export async function startTemporalCluster(o: TemporalClusterOptions): Promise<Service> {
  setUpTemporalSchema(o);
  const dir = join(o.dataDir, 'temporal-server');
  // JSON is YAML: the server reads it as its config file.
  const configFile = writeConfigFile(
    join(dir, 'config.yaml'),
    JSON.stringify(temporalClusterConfig(o), null, 2),
  );
  const server = await spawnService({
    name: 'temporal-server',
    command: binaries(o.cacheDir).temporalServer(),
    args: ['--config-file', configFile, '--allow-no-auth', 'start'],
    port: o.port,
    url: `127.0.0.1:${o.port}`,
    logFile: join(o.dataDir, 'logs', 'temporal-server.log'),
    timeoutMs: 120_000,
  });
  await registerNamespace(o);
  return server;
}

/** The namespace (archival on) and the search attributes the saga writes; both kept if present. */
async function registerNamespace(o: TemporalClusterOptions): Promise<void> {
  const cli = binaries(o.cacheDir).temporal();
  const address = ['--address', `127.0.0.1:${o.port}`];
  // The frontend answers before the namespace registry is ready (measured: a first `create` refused a
  // second or so after the port opened): each command is tried again for up to 30 s.
  const run = async (args: string[]) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        execFileSync(cli, [...args, ...address], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return;
      } catch (err) {
        const said = String((err as { stderr?: string }).stderr ?? err);
        if (/already (exists|registered)/i.test(said)) return;
        if (Date.now() > deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  };
  await run([
    'operator',
    'namespace',
    'create',
    '--namespace',
    o.namespace,
    '--retention',
    '72h',
    '--history-archival-state',
    'enabled',
    '--visibility-archival-state',
    'enabled',
  ]);
  for (const { name, type } of SEARCH_ATTRIBUTES) {
    await run([
      'operator',
      'search-attribute',
      'create',
      '--namespace',
      o.namespace,
      '--name',
      name,
      '--type',
      type,
    ]);
  }
}
