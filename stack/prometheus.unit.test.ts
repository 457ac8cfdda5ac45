import { readFileSync } from 'node:fs';
import { panelQueries, DASHBOARD_FILE } from '../bench/dashboard-queries';
import { prometheusConfig } from './prometheus';

describe('Prometheus for the cluster', () => {
  test('given two jobs, then the config scrapes each of their targets at the interval asked', () => {
    const yaml = prometheusConfig({
      dataDir: '/tmp/x',
      port: 9090,
      scrapeIntervalSeconds: 2,
      jobs: [
        { job: 'saga-worker', targets: ['127.0.0.1:9464', '127.0.0.1:9465'] },
        { job: 'temporal', targets: ['127.0.0.1:9000'] },
      ],
    });
    expect(yaml).toContain('scrape_interval: 2s');
    expect(yaml).toContain('- job_name: "saga-worker"');
    expect(yaml).toContain('- targets: ["127.0.0.1:9464","127.0.0.1:9465"]');
    expect(yaml).toContain('- job_name: "temporal"');
  });

  test('given the shipped dashboard, then every query of every panel is found, multi-query panels included', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
      panels: { targets?: unknown[] }[];
    };
    const count = dashboard.panels.reduce((n, p) => n + (p.targets?.length ?? 0), 0);
    const queries = panelQueries(readFileSync(DASHBOARD_FILE, 'utf8'));
    expect(queries).toHaveLength(count);
    expect(queries.filter((q) => q.panel.startsWith('Saga duration'))).toHaveLength(2);
  });
});
