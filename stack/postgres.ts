import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService, type Service } from './process';

/** PostgreSQL's programs from Debian's package (`/usr/lib/postgresql/<major>/bin`), the newest major. */
export function postgresBin(program: string): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const major of majors) {
    const path = join(root, major, 'bin', program);
    if (existsSync(path)) return path;
  }
  throw new Error(
    `PostgreSQL's ${program} is missing: run \`npm run start:cluster\` (its setup installs it)`,
  );
}

/**
 * PostgreSQL refuses to run as root: as root, its programs run as the package's `postgres` user.
 * `setpriv` changes user and then becomes the program (`runuser` would stay as its parent, and a
 * server left without its starter would outlive it: see `spawnLogged`).
 */
function asPostgres(command: string, args: string[]): { command: string; args: string[] } {
  if (process.getuid?.() !== 0) return { command, args };
  return {
    command: 'setpriv',
    args: ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args],
  };
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
}

/**
 * A PostgreSQL server of the stack's own: its cluster in `<dataDir>/postgres` (made on the first start,
 * trust authentication: it listens on loopback only, no Unix socket), `postgres` its user.
 */
export async function startPostgres({ dataDir, port }: PostgresOptions): Promise<Service> {
  const dir = join(dataDir, 'postgres');
  const root = process.getuid?.() === 0;
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (root) {
      // The postgres user must reach its folder: the data folder becomes traversable (not listable).
      chmodSync(dataDir, statSync(dataDir).mode | 0o011);
      chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), 0);
    }
    const init = asPostgres(postgresBin('initdb'), [
      '-D',
      dir,
      '-U',
      'postgres',
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ]);
    execFileSync(init.command, init.args, { stdio: 'ignore' });
  }
  const server = asPostgres(postgresBin('postgres'), [
    '-D',
    dir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    // Durable as the dev server's SQLite in WAL mode: a commit does not wait for its fsync.
    '-c',
    'synchronous_commit=off',
  ]);
  return spawnService({
    name: 'postgres',
    command: server.command,
    args: server.args,
    port,
    url: `postgres://postgres@127.0.0.1:${port}`,
    logFile: join(dataDir, 'logs', 'postgres.log'),
  });
}

/** Creates database `name` on the server at `url` (a stack's own: user postgres, trust) unless it exists. */
export function createDatabase(url: string, name: string): void {
  const psql = (sql: string) =>
    execFileSync(postgresBin('psql'), ['--no-psqlrc', '-qtA', '-d', url, '-c', sql], { encoding: 'utf8' });
  if (psql(`SELECT 1 FROM pg_database WHERE datname = '${name.replace(/'/g, "''")}'`).trim() !== '1') {
    psql(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  }
}
