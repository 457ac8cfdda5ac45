import type { MongoClient } from 'mongodb';
import { startStores, type TestStores } from '../test/helpers/stores';

/**
 * The driver's connection as this test reaches it: the server monitor's own connection, found through
 * internals (no public API hands out a connection). The shapes below are what mongodb 7.9 has.
 */
interface DriverConnection {
  socket: { destroy(): void; destroyed: boolean };
  closed: boolean;
  command(
    ns: { db: string; collection: string; toString(): string },
    cmd: object,
    opts: object,
  ): Promise<unknown>;
}
const monitorConnection = (client: MongoClient): DriverConnection => {
  const topology = (client as unknown as { topology: { s: { servers: Map<string, unknown> } } }).topology;
  const [server] = [...topology.s.servers.values()] as { monitor: { connection: DriverConnection | null } }[];
  const connection = server?.monitor.connection;
  if (!connection) throw new Error('the monitor has no connection yet');
  return connection;
};

/**
 * patches/mongodb+7.9.0.patch: a command written to a socket the server had just closed (destroyed, its
 * 'close' event not yet handled) waited for a 'drain' that never came. In the reliability suite's
 * MongoDB outage the saga worker's server monitor hung so, and with it every later operation of that
 * worker: server selection failed until the process was restarted.
 */
describe('mongodb driver, patched: a write to a closed socket', () => {
  let stores: TestStores;

  beforeAll(async () => {
    stores = await startStores('mongo-driver');
    await stores.db.command({ ping: 1 });
  });
  afterAll(() => stores.stop());

  test('given the socket destroyed before its close is handled, then a command fails at once instead of waiting for ever', async () => {
    const connection = monitorConnection(stores.mongo);
    connection.socket.destroy();
    expect(connection.closed).toBe(false); // the 'close' event comes on a later tick
    const ns = { db: 'admin', collection: '$cmd', toString: () => 'admin.$cmd' };
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      connection.command(ns, { ping: 1 }, {}).then(
        () => 'answered',
        (err: Error) => err.message,
      ),
      new Promise((resolve) => (timer = setTimeout(resolve, 5000, 'still waiting after 5 s'))),
    ]);
    // The bound is not left running after the answer (it kept the test worker alive for 5 s).
    clearTimeout(timer);
    expect(outcome).toMatch(/closed/);
    // and the client goes on: the monitor reconnects and operations are served
    expect(await stores.db.command({ ping: 1 })).toMatchObject({ ok: 1 });
  });
});
