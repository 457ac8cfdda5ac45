import { startingAgain } from './temporal';

describe('starting a test server again when it was slow to answer', () => {
  const slow = () => new Error('ephemeral server at 127.0.0.1:1 did not start within 5s. Make sure …');
  const failingTimes = (n: number, error: () => Error) => {
    let calls = 0;
    const start = () => (++calls <= n ? Promise.reject(error()) : Promise.resolve(`server ${calls}`));
    return { start, calls: () => calls };
  };

  test('given a start that timed out twice, then the third start is the server', async () => {
    const server = failingTimes(2, slow);
    await expect(startingAgain(server.start)).resolves.toBe('server 3');
  });

  test('given a start that times out every time, then the third timeout is thrown', async () => {
    const server = failingTimes(5, slow);
    await expect(startingAgain(server.start)).rejects.toThrow(/did not start within/);
    expect(server.calls()).toBe(3);
  });

  test('given the timeout as the native bridge throws it (an object of another realm, not instanceof Error), then it is tried again', async () => {
    const foreign = () => ({ message: slow().message }) as unknown as Error;
    const server = failingTimes(1, foreign);
    await expect(startingAgain(server.start)).resolves.toBe('server 2');
  });

  test('given any other failure (a missing binary), then it is thrown at once', async () => {
    const server = failingTimes(1, () => new Error('ephemeral server executable does not exist: /x'));
    await expect(startingAgain(server.start)).rejects.toThrow(/does not exist/);
    expect(server.calls()).toBe(1);
  });
});
