import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../config';
import { devServerEnv } from '../test/helpers/temporal';
import { makeCertificates, startTlsFront, type Certificates, type TlsFront } from '../test/helpers/tls-front';
import { connectTemporal, temporalConnectionOptions } from './clients';

/** The name on the server's certificate: not the address the processes dial (127.0.0.1:port). */
const SERVER_NAME = 'temporal.test';

describe('Temporal over mTLS (the dev server behind a TLS front that asks for a client certificate)', () => {
  let env: TestWorkflowEnvironment;
  let certs: Certificates;
  let front: TlsFront;
  beforeAll(async () => {
    env = await devServerEnv();
    certs = makeCertificates(SERVER_NAME);
    front = await startTlsFront(certs, env.address);
  }, 60_000);
  afterAll(async () => {
    await front?.stop();
    await env?.teardown();
    certs?.remove();
  });

  const configWith = (tls: Record<string, string>) =>
    loadConfig({ TEMPORAL_ADDRESS: front.address, TEMPORAL_NAMESPACE: env.namespace ?? 'default', ...tls });
  const mutual = () => ({
    TEMPORAL_TLS_CA: certs.caPath,
    TEMPORAL_TLS_CERT: certs.clientCertPath,
    TEMPORAL_TLS_KEY: certs.clientKeyPath,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
  });

  test("given the CA, a client certificate and the server's name, then the API's client and a worker's connection both reach Temporal", async () => {
    const config = configWith(mutual());
    const { client, connection } = await connectTemporal(config);
    try {
      const handle = await client.workflow.start('notRegisteredAnywhere', {
        taskQueue: 'tls-check',
        workflowId: 'tls-check-1',
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('only a connection check');
    } finally {
      await connection.close();
    }
    const worker = await NativeConnection.connect(temporalConnectionOptions(config));
    try {
      const info = await worker.workflowService.getSystemInfo({});
      expect(info.capabilities).toBeTruthy();
    } finally {
      await worker.close();
    }
  });

  /** A connection attempt that must fail, bounded so that a refusal does not wait out the default 10 s. */
  const refused = async (tls: Record<string, string>) => {
    const before = front.refused;
    const attempt = Connection.connect({
      ...temporalConnectionOptions(configWith(tls)),
      connectTimeout: '2s',
    });
    await expect(attempt.then((c) => c.close())).rejects.toThrow();
    return front.refused - before;
  };

  test('given no client certificate, then the front refuses the handshake', async () => {
    const { TEMPORAL_TLS_CERT: _c, TEMPORAL_TLS_KEY: _k, ...serverOnly } = mutual();
    expect(await refused(serverOnly)).toBeGreaterThan(0);
  });

  test('given a client certificate of another CA, then the front refuses the handshake', async () => {
    expect(
      await refused({
        ...mutual(),
        TEMPORAL_TLS_CERT: certs.strangerCertPath,
        TEMPORAL_TLS_KEY: certs.strangerKeyPath,
      }),
    ).toBeGreaterThan(0);
  });

  test('given no server name (the certificate names temporal.test, not the address), then the client refuses the server', async () => {
    const { TEMPORAL_TLS_SERVER_NAME: _n, ...noName } = mutual();
    await refused(noName);
  });

  test('given plain gRPC to the TLS front, then nothing is reached', async () => {
    await refused({});
  });
});
