import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname } from 'node:path';

/**
 * How many ports `freePort` has tried in this process. Each process walks the range from its own
 * starting point, drawn from its pid, one port after the other: a port free when picked stays free
 * until its server starts, so a process never gives one twice (picked at random, the cluster's ~40
 * picks from 22,000 repeated one with a chance of about 3 %), and two processes picking at the same
 * time (jest's workers) start far apart instead of drawing from the same pool.
 */
let portsTried = 0;

/** A spread of the pid over the range (Knuth's multiplicative hash), where this process starts. */
const startingPoint = (range: number) => Number((BigInt(process.pid) * 2654435761n) % BigInt(range));

/**
 * A port free on 127.0.0.1 now, for a server started a little later, and not given before by this
 * process. Picked below the kernel's ephemeral range: a port from that range (what binding port 0
 * gives) can be taken in between as the source port of any outgoing connection or by another server
 * binding 0 (seen in CI: a worker failing with EADDRINUSE while the rest of its stack started).
 */
export async function freePort(): Promise<number> {
  const low = 10_000;
  const range = Math.max(low + 1000, ephemeralPortStart()) - low;
  for (let tries = 0; tries < 50; tries++) {
    const port = low + ((startingPoint(range) + portsTried++) % range);
    if (await bindable(port)) return port;
  }
  const any = await bindable(0);
  if (any === 0) throw new Error('no free TCP port on 127.0.0.1');
  return any;
}

/** Where the kernel's ephemeral ports (those binding port 0 or connecting out get) begin. */
export function ephemeralPortStart(): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
    if (Number(start) > 0) return Number(start);
  } catch {
    // not Linux: the common default
  }
  return 32768;
}

/** Binds and releases `port` (0: any); resolves the port bound, or 0 when it could not bind. */
function bindable(port: number): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(0));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(bound));
    });
  });
}

export function canConnect(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** The inodes of the TCP sockets listening on `port`, from /proc/net/tcp and tcp6; null off Linux. */
function listenerInodes(port: number): Set<string> | null {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      if (table.endsWith('tcp')) return null;
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl, local address (hex ip:port), remote address, state (0A: LISTEN), …, inode (field 10)
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Whether an open file of `pid` is the socket `socket:[inode]` of one of `inodes`; true when its files
 * may not be read (another user's: it cannot be told), false when it is gone.
 */
function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EACCES';
  }
  return fds.some((fd) => {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      return inodes.has(target.slice('socket:['.length, -1)) && target.startsWith('socket:[');
    } catch {
      return false;
    }
  });
}

/**
 * Whether the socket listening on `port` is held by process `pid` or one it started (a wrapper that
 * runs the server as its child); true where it cannot be told (not Linux).
 */
export function holdsListener(pid: number, port: number): boolean {
  const inodes = listenerInodes(port);
  if (inodes === null) return true;
  return [pid, ...descendantsOf(pid)].some((p) => holdsSocket(p, inodes));
}

/** Polls until `check` is true or the deadline passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  {
    timeoutMs = 30_000,
    intervalMs = 50,
    /** a reason to stop waiting at once (say, the process being waited for has exited), else null */
    gaveUp = (): string | null => null,
  } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    const reason = gaveUp();
    if (reason) throw new Error(`stopped waiting for ${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Writes a server's configuration file, its folder made first; returns the file's path. */
export function writeConfigFile(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export interface Service {
  name: string;
  url: string;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  port: number;
  url: string;
  /** file that receives the process's output */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Starts a process with its output appended to `logFile`. */
export function spawnLogged(opts: Omit<SpawnOptions, 'port' | 'url'>): ChildProcess {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = createWriteStream(opts.logFile, { flags: 'a' });
  const [command, args] = dyingWithParent(opts.command, opts.args);
  const child = spawn(command, args, {
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * The command run so that the kernel kills it when the process that started it dies (`setpriv
 * --pdeathsig`, util-linux, which then becomes the command: same pid, same signals). Without it, a
 * stack runner that crashed (or was SIGKILLed) left its workers polling: a later stack on a reused
 * port had its tasks taken by them. Where `setpriv` is missing, the command as it is.
 */
function dyingWithParent(command: string, args: string[]): [string, string[]] {
  if (process.platform !== 'linux' || !existsSync(SETPRIV)) return [command, args];
  // Already `setpriv` (another user): one call, since a change of user clears the signal (measured:
  // a nested `setpriv --pdeathsig … -- setpriv --reuid …` outlived its parent).
  if (command === 'setpriv' || command === SETPRIV) return [SETPRIV, ['--pdeathsig', 'SIGKILL', ...args]];
  return [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]];
}

/** Starts a server process and resolves once its port accepts connections. */
export async function spawnService(opts: SpawnOptions): Promise<Service & { child: ChildProcess }> {
  const child = spawnLogged(opts);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  child.once('error', (err) => {
    exited = err.message;
  });
  // Ours listening, not merely someone: another test process's server that took the port first would
  // answer while ours exits on EADDRINUSE, and the caller would use (and stop, and SIGSTOP) the wrong one.
  const listening = async () =>
    (await canConnect(opts.port, '127.0.0.1')) &&
    child.pid !== undefined &&
    holdsListener(child.pid, opts.port);
  await waitFor(`${opts.name} on port ${opts.port}`, listening, {
    timeoutMs: opts.timeoutMs ?? 60_000,
    gaveUp: () => exited && `${opts.name} ${exited}; see ${opts.logFile}`,
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    name: opts.name,
    url: opts.url,
    child,
    stop: () => stopChild(child),
  };
}

/** Sends `signal` (as a crash would) and resolves once the process has exited; at once if it already has. */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A process's parent and CPU seconds from `/proc/<pid>/stat`: its own, and its ended children's. */
function statOf(pid: number): { ppid: number; own: number; endedChildren: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    // Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of the file, 2 fewer after the name;
    // clock ticks are taken as 100 per second, the Linux default for user-space figures.
    const at = (field: number) => fields[field - 3] ?? 0;
    return { ppid: at(4), own: (at(14) + at(15)) / 100, endedChildren: (at(16) + at(17)) / 100 };
  } catch {
    return null;
  }
}

/** The pids of every process alive now under `pid` (children, theirs, …). */
function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const child = Number(entry);
    if (!Number.isInteger(child)) continue;
    const parent = statOf(child)?.ppid;
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const found: number[] = [];
  for (let queue = [pid]; queue.length > 0;) {
    const next = children.get(queue.shift() as number) ?? [];
    found.push(...next);
    queue.push(...next);
  }
  return found;
}

/**
 * CPU time (user + system, seconds) a process and everything it started have used so far: its own,
 * its children's that ended, and those of the ones alive (PostgreSQL works in the backends its
 * server forks; reading the server alone gave 0). Null where there is no `/proc/<pid>/stat` (not
 * Linux, or the process is gone).
 */
export function cpuSeconds(pid: number): number | null {
  const self = statOf(pid);
  if (self === null) return null;
  let total = self.own + self.endedChildren;
  for (const child of descendantsOf(pid)) {
    const stat = statOf(child);
    if (stat) total += stat.own + stat.endedChildren;
  }
  return total;
}
