import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTE_ARGS } from '../workflows/search-attributes';
import { binaries } from './binaries';
import { spawnService, type Service } from './process';

/** SQLite settings for the dev server's database: durable across restarts, tuned for throughput. */
export const SQLITE_PRAGMAS = [
  '--sqlite-pragma',
  'journal_mode=WAL',
  '--sqlite-pragma',
  'synchronous=NORMAL',
];

/**
 * The dev server runs one history shard, and each shard loads its transfer, timer and visibility tasks
 * at most 20 times a second by default (`history.*ProcessorMaxPollRPS`): every step of a workflow
 * (a workflow task, an activity task) then waits for the next load, ~50 ms each once busy, whatever
 * the CPU. Measured: a workflow of 13 no-op activities took 700 ms, 165 ms with these raised.
 */
export const DEV_SERVER_TUNING = [
  '--dynamic-config-value',
  'history.transferProcessorMaxPollRPS=10000',
  '--dynamic-config-value',
  'history.timerProcessorMaxPollRPS=10000',
  '--dynamic-config-value',
  'history.visibilityProcessorMaxPollRPS=10000',
];

export interface TemporalOptions {
  cacheDir: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** the codec server the Web UI decodes payloads with (the API's /codec) */
  codecEndpoint?: string;
}

/** The Temporal CLI dev server with its Web UI, persisting to a SQLite file, our search attributes registered. */
export function startTemporal(o: TemporalOptions): Promise<Service> {
  mkdirSync(o.dataDir, { recursive: true });
  return spawnService({
    name: 'temporal',
    command: binaries(o.cacheDir).temporal(),
    args: [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(o.port),
      '--ui-port',
      String(o.uiPort),
      '--namespace',
      o.namespace,
      '--db-filename',
      join(o.dataDir, 'temporal.db'),
      ...SQLITE_PRAGMAS,
      ...DEV_SERVER_TUNING,
      ...SEARCH_ATTRIBUTE_ARGS,
      ...(o.codecEndpoint ? ['--ui-codec-endpoint', o.codecEndpoint] : []),
      '--log-level',
      'warn',
    ],
    port: o.port,
    url: `http://127.0.0.1:${o.uiPort}`,
    logFile: join(o.dataDir, 'logs', 'temporal.log'),
  });
}
