import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedLock', () => {
  test('given tasks on one key, when run together, then they run one at a time in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
      return name;
    };
    const out = await Promise.all([
      lock.run('k', task('a')),
      lock.run('k', task('b')),
      lock.run('k', task('c')),
    ]);
    expect(out).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  test('given tasks on different keys, when run together, then they overlap', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
    };
    await Promise.all([lock.run('x', task('x')), lock.run('y', task('y'))]);
    expect(log.slice(0, 2)).toEqual(['x:start', 'y:start']);
  });

  test('given a failing task, when the next one runs, then it still runs and the failure reaches only its caller', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('k', () => Promise.reject(new Error('boom')));
    const next = lock.run('k', () => Promise.resolve('ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
