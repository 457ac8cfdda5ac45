import { createServer } from 'node:net';
import { ephemeralPortStart, freePort } from './process';

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
