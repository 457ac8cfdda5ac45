import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../test/helpers/poll';
import { tempDir } from '../test/helpers/env';
import { builtScript } from '../test/helpers/built-script';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stack runner that dies without stopping what it started: what it started dies with it. */
describe('processes a stack starts', () => {
  const dir = tempDir('pdeathsig');
  afterAll(() => dir.remove());

  test('given a runner that started a server and is then SIGKILLed, then the server dies too', async () => {
    const dist = builtScript('stack/process.js');
    const pidFile = join(dir.path, 'child.pid');
    const runner = spawn(
      process.execPath,
      [
        '-e',
        `const { spawnLogged } = require(${JSON.stringify(dist)});
         const child = spawnLogged({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(join(dir.path, 'sleeper.log'))} });
         require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
         setInterval(() => undefined, 1000);`,
      ],
      { stdio: 'ignore' },
    );
    const pid = await eventually(
      async () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0),
      (p) => p > 0,
    );
    expect(alive(pid)).toBe(true);
    expect(execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim()).toBe('sleep');
    runner.kill('SIGKILL');
    await eventually(
      async () => alive(pid),
      (a) => !a,
      { timeoutMs: 5_000 },
    );
  });
});
