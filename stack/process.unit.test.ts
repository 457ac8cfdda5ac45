import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds, ephemeralPortStart, freePort, holdsListener, spawnService, waitFor } from './process';

describe('free ports for the servers a stack starts', () => {
  test('given many picks, then each is below the ephemeral range and can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralPortStart());
    }
    // Listening on one now works: it was free, not merely in range.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

test('given more picks than a stack makes, then no port is given twice', async () => {
  // 3,000 picks from ~22,000 ports: picked at random, 175 of them repeated one given before (a stack of
  // the cluster picks some 40, with a 3 % chance of a repeat).
  const ports: number[] = [];
  for (let i = 0; i < 3000; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
});

describe('CPU time of a process', () => {
  test('given this process burns CPU, then its reading grows by about that much', () => {
    const before = cpuSeconds(process.pid);
    expect(before).not.toBeNull();
    const start = process.cpuUsage();
    let x = 0;
    while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1e6 < 0.3) x += Math.sqrt(x + 1);
    const after = cpuSeconds(process.pid) as number;
    expect(after - (before as number)).toBeGreaterThanOrEqual(0.25);
    expect(after - (before as number)).toBeLessThan(5);
  });

  test('given a process whose child burned CPU and ended, then its reading counts the child', async () => {
    // 0.4 s of its own CPU, however long that takes on a busy machine
    const burn =
      'let x = 0; const used = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; }; while (used() < 0.4) x += Math.sqrt(x + 1);';
    const shell = spawn('sh', ['-c', `"${process.execPath}" -e '${burn}'; sleep 5`], { stdio: 'ignore' });
    try {
      await waitFor('the child to end', async () => (cpuSeconds(shell.pid as number) ?? 0) >= 0.3, {
        timeoutMs: 30_000,
      });
      // the shell itself used next to nothing: the reading is the child's
      expect(cpuSeconds(shell.pid as number)).toBeGreaterThanOrEqual(0.3);
    } finally {
      shell.kill('SIGKILL');
    }
  });

  test('given a pid that does not exist, then there is no reading', () => {
    expect(cpuSeconds(2 ** 22 + 1)).toBeNull();
  });
});

describe('waiting for a condition', () => {
  test('given a reason to give up appears, then the wait ends at once with it, not at the timeout', async () => {
    let polls = 0;
    const started = Date.now();
    const waited = waitFor('the worker ready', async () => ++polls < 0, {
      timeoutMs: 30_000,
      intervalMs: 10,
      gaveUp: () => (polls >= 3 ? 'saga-worker exited' : null),
    });
    await expect(waited).rejects.toThrow('stopped waiting for the worker ready: saga-worker exited');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(polls).toBe(3);
  });
});

describe('a server started for a stack', () => {
  const listenOn = (port: number) => {
    const server = createServer();
    return new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  };

  test('given a socket this process listens on, then it holds it; another process does not', async () => {
    const port = await freePort();
    const server = await listenOn(port);
    try {
      expect(holdsListener(process.pid, port)).toBe(true);
      const other = spawn('sleep', ['5']);
      try {
        expect(holdsListener(other.pid as number, port)).toBe(false);
      } finally {
        other.kill('SIGKILL');
      }
    } finally {
      server.close();
    }
  });

  test('given its port already taken by another server, then starting it fails instead of answering with the other', async () => {
    const port = await freePort();
    const squatter = await listenOn(port);
    const dir = mkdtempSync(join(tmpdir(), 'spawn-service-'));
    try {
      const listen = `require('node:net').createServer().listen(${port}, '127.0.0.1')`;
      await expect(
        spawnService({
          name: 'late-server',
          command: process.execPath,
          args: ['-e', listen],
          port,
          url: `http://127.0.0.1:${port}`,
          logFile: join(dir, 'late-server.log'),
          timeoutMs: 10_000,
        }),
      ).rejects.toThrow(/late-server exited/);
    } finally {
      squatter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
