import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMetrics, SDK_METRICS } from '../infra/metrics';

interface Panel {
  title: string;
  targets?: { expr: string }[];
}

const PROMQL_WORDS = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'by',
  'without',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'topk',
  'bottomk',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'clamp_min',
  'clamp_max',
  'abs',
  'delta',
  'deriv',
  'time',
  'vector',
  'scalar',
  'bool',
]);

/** The metric names a PromQL expression selects: label matchers, groupings, ranges and literals removed. */
function metricsOf(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ')
    .replace(/"[^"]*"/g, ' ')
    .replace(/\b\d+(\.\d+)?(e\d+)?\b/g, ' ');
  return [...new Set((bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w)))];
}

/** Every series name a process can export: ours from a real registry (histograms with their suffixes), the SDK's. */
async function exported(): Promise<Set<string>> {
  const names = new Set<string>();
  const metrics = createMetrics('test');
  // The gauge the projector process registers with its counting function.
  metrics.deadLettersOpen(async () => 0);
  const { registry } = metrics;
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    // typed as a numeric enum, a string at run time
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  for (const h of SDK_METRICS.histograms) for (const s of ['_bucket', '_sum', '_count']) names.add(h + s);
  for (const o of SDK_METRICS.others) names.add(o);
  return names;
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(
    readFileSync(join(__dirname, '..', 'ops', 'grafana', 'dashboards', 'order-saga.json'), 'utf8'),
  ) as { uid: string; panels: Panel[] };

  test('given the PromQL of a panel, then the metric names are read out of it', () => {
    expect(
      metricsOf(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{x="a b"}[5m])))',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(metricsOf('sum(rate(a_total{outcome="delivered"}[5m])) / sum(rate(b_total[5m])) * 60')).toEqual([
      'a_total',
      'b_total',
    ]);
  });

  test('given the provisioned dashboard, then every panel queries only metrics the code exports', async () => {
    const names = await exported();
    const unknown: string[] = [];
    let queries = 0;
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        queries++;
        const used = metricsOf(expr);
        expect(used.length).toBeGreaterThan(0);
        for (const m of used) if (!names.has(m)) unknown.push(`${panel.title}: ${m}`);
      }
    }
    expect(unknown).toEqual([]);
    expect(queries).toBeGreaterThanOrEqual(10);
  });

  test('given the issue list of panels, then each is there', () => {
    const text = JSON.stringify(dashboard.panels.map((p) => [p.title, p.targets?.map((t) => t.expr)]));
    for (const metric of [
      'orders_finished_total',
      'saga_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'projection_lag_seconds_bucket',
      'webhook_deliveries_total',
      'dead_letters_open',
    ]) {
      expect(text).toContain(metric);
    }
  });
});
