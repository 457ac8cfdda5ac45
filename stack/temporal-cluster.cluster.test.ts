import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { binaries } from './binaries';
import { freePort, type Service } from './process';
import { startPostgres } from './postgres';
import { startTemporalCluster, type TemporalClusterOptions } from './temporal-cluster';
import { cacheDir, tempDir } from '../test/helpers/env';

/** The Temporal server built from the module proxy, on the stack's own PostgreSQL. */
describe('the Temporal server on PostgreSQL', () => {
  const dir = tempDir('temporal-cluster');
  let postgres: Service;
  let options: TemporalClusterOptions;

  beforeAll(async () => {
    const postgresPort = await freePort();
    postgres = await startPostgres({ dataDir: dir.path, port: postgresPort });
    const p = async () => freePort();
    options = {
      cacheDir,
      dataDir: dir.path,
      port: await p(),
      internalPorts: {
        history: await p(),
        matching: await p(),
        worker: await p(),
        frontendMembership: await p(),
        historyMembership: await p(),
        matchingMembership: await p(),
        workerMembership: await p(),
        metrics: await p(),
      },
      postgresPort,
      namespace: 'default',
      shards: 4,
    };
  }, 60_000);
  afterAll(() => postgres?.stop());

  const describeNamespace = async () => {
    const connection = await Connection.connect({ address: `127.0.0.1:${options.port}` });
    try {
      const client = new Client({ connection });
      const ns = await client.workflowService.describeNamespace({ namespace: 'default' });
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return { ns, custom: Object.keys(attrs.customAttributes ?? {}).sort() };
    } finally {
      await connection.close();
    }
  };

  test('given a fresh database, then the schemas are made, the namespace has archival on and the search attributes; a restart keeps them', async () => {
    let server = await startTemporalCluster(options);
    const first = await describeNamespace();
    expect(first.ns.namespaceInfo?.name).toBe('default');
    expect(first.ns.config?.historyArchivalState).toBe(2); // ENABLED
    expect(first.custom).toEqual(expect.arrayContaining(['CustomerId', 'OrderStatus', 'OrderTotal']));
    await server.stop();
    // The second start finds everything made: nothing is made twice, nothing fails.
    server = await startTemporalCluster(options);
    expect((await describeNamespace()).custom).toEqual(first.custom);
    await server.stop();
  }, 180_000);

  test("given the dynamic config the cluster and compose run, then the server's own validator finds every key known and typed", () => {
    const validate = (file: string) =>
      execFileSync(binaries(cacheDir).temporalServer(), ['validate-dynamic-config', file], {
        encoding: 'utf8',
      });
    expect(validate('ops/temporal/dynamicconfig.yaml')).not.toContain('warning');
    // The validator says so when a key is unknown or mistyped (it exits 0 either way).
    const bad = join(dir.path, 'bad-dynamicconfig.yaml');
    writeFileSync(
      bad,
      'history.noSuchKey:\n  - value: 1\nhistory.transferProcessorMaxPollRPS:\n  - value: lots\n',
    );
    const said = validate(bad);
    expect(said).toContain('unregistered key "history.nosuchkey"');
    expect(said).toContain('value type is not int');
  });
});
