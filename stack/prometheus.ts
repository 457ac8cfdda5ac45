import { join } from 'node:path';
import { spawnService, writeConfigFile, type Service } from './process';

/** One kind of process Prometheus scrapes: its job name and the `host:port` of each replica's /metrics. */
export interface ScrapeJob {
  job: string;
  targets: string[];
}

export interface PrometheusOptions {
  dataDir: string;
  port: number;
  jobs: ScrapeJob[];
  /** how often every target is scraped (default 5 s; a short load run wants short) */
  scrapeIntervalSeconds?: number;
}

/** prometheus.yml: every job's targets on /metrics, scraped every `scrapeIntervalSeconds`. */
export function prometheusConfig(o: PrometheusOptions): string {
  const every = `${o.scrapeIntervalSeconds ?? 5}s`;
  const jobs = o.jobs
    .map(
      (j) => `  - job_name: ${JSON.stringify(j.job)}
    static_configs:
      - targets: ${JSON.stringify(j.targets)}`,
    )
    .join('\n');
  return `global:
  scrape_interval: ${every}
  evaluation_interval: ${every}
scrape_configs:
${jobs}
`;
}

/**
 * Prometheus (Debian's) scraping the stack: what Kubernetes' ServiceMonitors would scrape, the
 * dashboard's queries evaluated against it (`bench/dashboard-queries.ts`).
 */
export function startPrometheus(o: PrometheusOptions): Promise<Service> {
  const dir = join(o.dataDir, 'prometheus');
  const conf = writeConfigFile(join(dir, 'prometheus.yml'), prometheusConfig(o));
  return spawnService({
    name: 'prometheus',
    command: '/usr/bin/prometheus',
    args: [
      `--config.file=${conf}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${o.port}`,
      '--log.level=warn',
    ],
    port: o.port,
    url: `http://127.0.0.1:${o.port}`,
    logFile: join(o.dataDir, 'logs', 'prometheus.log'),
  });
}
