import type { Registry } from 'prom-client';

/**
 * The value of one series of a registry's metric (a histogram's `_count` by asking for that name), or
 * 0 when the series has none yet. Labels given must all match; `service` need not be given.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${base} in the registry`);
  const { values } = await metric.get();
  const series = values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? base) === name &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return series?.value ?? 0;
}
