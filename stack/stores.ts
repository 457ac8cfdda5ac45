import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { binaries } from './binaries';
import { spawnService, type Service } from './process';

export interface StoreOptions {
  cacheDir: string;
  dataDir: string;
  port: number;
}

/** Redis from Debian, persisting to the data folder (AOF), listening on loopback only. */
export function startRedis({ cacheDir, dataDir, port }: StoreOptions): Promise<Service> {
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  return spawnService({
    name: 'redis',
    command: binaries(cacheDir).redisServer(),
    args: [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    port,
    url: `redis://127.0.0.1:${port}`,
    logFile: join(dataDir, 'logs', 'redis.log'),
  });
}

/**
 * The MongoDB-compatible store: a real `mongod` when one is on PATH, otherwise FerretDB (MongoDB wire
 * protocol) with its SQLite handler, both persisting under the data folder; or, given `postgresUrl`,
 * FerretDB with its PostgreSQL handler on that database (see `npm run measure:store-race`).
 */
export function startMongo({
  cacheDir,
  dataDir,
  port,
  postgresUrl,
}: StoreOptions & { postgresUrl?: string }): Promise<Service & { child: ChildProcess }> {
  const bins = binaries(cacheDir);
  const mongod = postgresUrl ? null : bins.mongod();
  const url = `mongodb://127.0.0.1:${port}/`;
  const logFile = join(dataDir, 'logs', 'mongo.log');
  if (mongod) {
    const dir = join(dataDir, 'mongod');
    mkdirSync(dir, { recursive: true });
    return spawnService({
      name: 'mongod',
      command: mongod,
      args: ['--bind_ip', '127.0.0.1', '--port', String(port), '--dbpath', dir],
      port,
      url,
      logFile,
    });
  }
  const dir = join(dataDir, 'ferretdb');
  mkdirSync(dir, { recursive: true });
  return spawnService({
    name: 'ferretdb',
    command: bins.ferretdb(),
    // Go's collector at its default (GOGC=100) took a tenth of FerretDB's CPU under the benchmark's load;
    // at 400 the heap may grow to five times what is live (tens of MB here) between collections, and
    // FerretDB's CPU per order fell from 22 to 18 ms. An explicit GOGC in the environment wins.
    env: { GOGC: process.env.GOGC ?? '400' },
    args: [
      ...(postgresUrl ? ['--handler=pg', `--postgresql-url=${postgresUrl}`] : sqliteHandler(dir)),
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      '--log-level=WARN',
      '--state-dir=' + dir,
    ],
    port,
    url,
    logFile,
  });
}

/**
 * FerretDB's SQLite handler in `dir`: WAL with synchronous=NORMAL, as the Temporal dev server here: a
 * commit no longer waits for an fsync of the log. Safe when the process dies (the WAL is replayed); a
 * power loss may lose the last commits, not the database. Measured: FerretDB's CPU per operation
 * 0.43-0.51 -> 0.29-0.31 ms.
 */
const sqliteHandler = (dir: string) => [
  '--handler=sqlite',
  `--sqlite-url=file:${dir}/?_pragma=synchronous(normal)`,
];
