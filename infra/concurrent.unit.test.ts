import { mapConcurrent } from './concurrent';

async function* numbers(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapConcurrent', () => {
  test('given 20 items and a limit of 4, then every result comes back and never more than 4 run at once', async () => {
    let running = 0;
    let most = 0;
    const out: number[] = [];
    for await (const v of mapConcurrent(numbers(20), 4, async (i) => {
      running++;
      most = Math.max(most, running);
      await sleep(i % 3);
      running--;
      return i * 2;
    })) {
      out.push(v);
    }
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(most).toBe(4);
  });

  test('given a failure while the source is still being read, then the consumer gets it and nothing is left unhandled', async () => {
    const consume = async () => {
      for await (const _ of mapConcurrent(numbers(10), 3, async (i) => {
        if (i === 1) throw new Error('boom');
        await sleep(5);
        return i;
      })) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow('boom');
  });
});
