import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, loadConfig, redact, serviceUrls, type Config } from '../config';
import { spawnLogged, spawnService, stopChild, type Service } from '../infra/process';
import { startSmtpSink } from '../infra/smtp-sink';
import { startMongo, startRedis } from '../infra/stores';
import { startTemporal } from '../infra/temporal';

/**
 * Brings the whole system up on 127.0.0.1: Temporal dev server with its Web UI, the Mongo-compatible
 * store, Redis, the SMTP sink, the saga, projector and webhook workers and the API. State lives under
 * DATA_DIR and survives a restart. Ctrl-C / SIGTERM stops everything, newest first.
 */
async function main(config: Config): Promise<void> {
  const started: Service[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    for (const s of started.reverse()) {
      await s.stop().catch((err: unknown) => console.error(`stopping ${s.name}:`, err));
    }
    process.exit(code);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const { cacheDir, dataDir } = config;
  const logs = join(dataDir, 'logs');
  const track = async (p: Promise<Service>): Promise<Service> => {
    const s = await p;
    started.push(s);
    console.log(`  ✓ ${s.name.padEnd(17)} ${redact(s.url)}`);
    return s;
  };
  /** A process of ours; if it dies while the stack runs, the stack stops rather than half-working. */
  const watched = (child: ChildProcess, name: string): ChildProcess => {
    child.once('exit', (code, signal) => {
      if (stopping) return;
      console.error(`${name} exited (${signal ?? code}); see ${join(logs, `${name}.log`)}`);
      void stopAll(1);
    });
    return child;
  };
  const entry = (script: string) => join(__dirname, '..', script);

  console.log(`starting the stack (data in ${dataDir}, logs in ${logs})`);
  try {
    const temporalPort = Number(config.temporalAddress.split(':')[1]);
    const [temporal] = await Promise.all([
      track(
        startTemporal({
          cacheDir,
          dataDir,
          port: temporalPort,
          uiPort: config.temporalUiPort,
          namespace: config.temporalNamespace,
        }),
      ),
      config.redisUrl ? null : track(startRedis({ cacheDir, dataDir, port: config.redisPort })),
      config.mongodbUrl ? null : track(startMongo({ cacheDir, dataDir, port: config.mongoPort })),
    ]);
    let mailbox = `(external SMTP ${redact(config.smtpUrl ?? '')})`;
    if (!config.smtpUrl) {
      const sink = await startSmtpSink({ smtpPort: config.smtpPort, mailboxPort: config.mailboxPort });
      mailbox = sink.mailboxUrl ?? mailbox;
      await track(Promise.resolve({ name: 'smtp-sink', url: sink.smtpUrl, stop: sink.stop }));
    }
    // Each worker gets its own ops port (/metrics, /health) and SDK metrics port, two apart.
    const workers = [
      ['saga-worker', 'worker/saga-worker.js', config.ordersTaskQueue],
      ['projector-worker', 'worker/projector-worker.js', config.projectionsTaskQueue],
      ['webhook-worker', 'worker/webhook-worker.js', config.webhooksTaskQueue],
    ] as const;
    for (const [i, [name, script, queue]] of workers.entries()) {
      const opsPort = config.opsPort + 2 * i;
      const child = watched(
        spawnLogged({
          name,
          command: process.execPath,
          args: [entry(script)],
          logFile: join(logs, `${name}.log`),
          env: { OPS_PORT: String(opsPort), SDK_METRICS_PORT: String(opsPort + 1) },
        }),
        name,
      );
      const url = `task queue "${queue}", http://${config.opsHost}:${opsPort}/metrics`;
      await track(Promise.resolve({ name, url, stop: () => stopChild(child) }));
    }
    const api = await track(
      spawnService({
        name: 'api',
        command: process.execPath,
        args: [entry('api/server.js')],
        port: config.apiPort,
        url: `http://${config.apiHost}:${config.apiPort}`,
        logFile: join(logs, 'api.log'),
      }).then((s) => {
        watched(s.child, 'api');
        return s;
      }),
    );
    console.log(`
  API               ${api.url}
  Temporal Web UI   ${temporal.url}
  Temporal gRPC     ${config.temporalAddress}
  Mailbox           ${mailbox}
ready. Ctrl-C stops everything.`);
  } catch (err) {
    console.error('start-up failed:', err instanceof Error ? err.message : err);
    await stopAll(1);
  }
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(2);
}
// Children read the same environment: make the locally started servers' URLs explicit for them.
const urls = serviceUrls(config);
process.env.MONGODB_URL = urls.mongodb;
process.env.REDIS_URL = urls.redis;
process.env.SMTP_URL = urls.smtp;
process.env.TEMPORAL_ADDRESS ??= config.temporalAddress;
process.env.DATA_DIR ??= config.dataDir;
void main(config);
