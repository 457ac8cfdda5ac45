import { join } from 'node:path';
import { binaries } from './binaries';
import { spawnService, writeConfigFile, type Service } from './process';

export interface TemporalUiOptions {
  cacheDir: string;
  dataDir: string;
  port: number;
  /** the Temporal frontend's host:port */
  temporalAddress: string;
  namespace: string;
  /** where the browser decodes payloads (the API's /codec) */
  codecEndpoint: string;
}

/**
 * The Web UI server's configuration (its `fs_config_provider` reads `<env>.yaml`): on loopback, the
 * cluster's frontend, the namespace shown first, the codec endpoint the browser calls with the
 * operator's session cookie (`includeCredentials`), every operator action on (cancel, terminate,
 * reset, signal, update: the saga is built to survive them).
 */
export function temporalUiConfig(o: TemporalUiOptions): string {
  return `temporalGrpcAddress: ${o.temporalAddress}
host: 127.0.0.1
port: ${o.port}
enableUi: true
defaultNamespace: ${o.namespace}
disableNewsFetch: true
refreshInterval: 1m
cors:
  allowOrigins:
    - http://127.0.0.1:${o.port}
    - http://localhost:${o.port}
codec:
  endpoint: ${o.codecEndpoint}
  includeCredentials: true
`;
}

/** The Temporal Web UI pointed at the cluster (the dev server serves its own). */
export function startTemporalUi(o: TemporalUiOptions): Promise<Service> {
  const root = join(o.dataDir, 'temporal-ui');
  writeConfigFile(join(root, 'config', 'cluster.yaml'), temporalUiConfig(o));
  return spawnService({
    name: 'temporal-ui',
    command: binaries(o.cacheDir).temporalUiServer(),
    args: ['--root', root, '--config', 'config', '--env', 'cluster', 'start'],
    port: o.port,
    url: `http://127.0.0.1:${o.port}`,
    logFile: join(o.dataDir, 'logs', 'temporal-ui.log'),
  });
}
