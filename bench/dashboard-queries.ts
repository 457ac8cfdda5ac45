import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The project's folder (the one with package.json), from the sources or from dist/. */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The Grafana dashboard the deployment ships: every panel's queries are evaluated against real data. */
export const DASHBOARD_FILE = join(projectRoot(), 'ops', 'grafana', 'dashboards', 'order-saga.json');

export interface PanelQuery {
  panel: string;
  expr: string;
}

/** Every query of every panel of a Grafana dashboard JSON. */
export function panelQueries(dashboardJson: string): PanelQuery[] {
  const dashboard = JSON.parse(dashboardJson) as {
    panels?: { title?: string; targets?: { expr?: string }[] }[];
  };
  return (dashboard.panels ?? []).flatMap((p) =>
    (p.targets ?? []).flatMap((t) => (t.expr ? [{ panel: p.title ?? '(untitled)', expr: t.expr }] : [])),
  );
}

export interface Evaluated extends PanelQuery {
  /** how many series the query returned (0: the panel would be empty) */
  series: number;
  /** the first series' labels and value, as the panel would show it */
  first: string;
}

/** Each panel query of the dashboard evaluated now through Prometheus's HTTP API (`/api/v1/query`). */
export async function evaluateDashboard(prometheusUrl: string, file = DASHBOARD_FILE): Promise<Evaluated[]> {
  const out: Evaluated[] = [];
  for (const q of panelQueries(readFileSync(file, 'utf8'))) {
    const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(q.expr)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`${q.panel}: ${q.expr}: ${body.error ?? res.status}`);
    const result = body.data?.result ?? [];
    const [head] = result;
    const labels = head
      ? Object.entries(head.metric)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
      : '';
    out.push({ ...q, series: result.length, first: head ? `{${labels}} ${head.value[1]}` : '(no series)' });
  }
  return out;
}
