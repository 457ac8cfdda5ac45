import { readFileSync, writeFileSync } from 'node:fs';
/**
 * The benchmark's figures as pictures: plain SVG, written beside the JSON results (no dependency, no
 * browser needed to make them). `latencyChart` for the open loop (latency against the arrival rate),
 * `cpuChart` for the benchmark (CPU per order and per no-op saga, by process).
 */

const WIDTH = 760;
const COLOURS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const text = (x: number, y: number, s: string, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(s)}</text>`;
const svg = (height: number, title: string, body: string[]) =>
  [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    text(20, 24, title, 'font-weight="bold" font-size="14"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');

/** One line of the latency chart: a name and its (rate, milliseconds) points. */
export interface Series {
  name: string;
  points: readonly { rate: number; ms: number }[];
  /** its colour's place in the palette (default: its own place); dashed for a second group */
  colour?: number;
  dashed?: boolean;
}

/** Latency (log scale, ms) against the arrival rate (orders/s): one line per series, marked points. */
export function latencyChart(title: string, series: readonly Series[]): string {
  const plot = { left: 70, top: 44, width: 480, height: 300 };
  const all = series.flatMap((s) => s.points);
  const maxRate = Math.max(1, ...all.map((p) => p.rate)) * 1.05;
  const lowMs = 10 ** Math.floor(Math.log10(Math.max(1, Math.min(...all.map((p) => p.ms)))));
  const highMs = 10 ** Math.ceil(Math.log10(Math.max(10, ...all.map((p) => p.ms))));
  const x = (rate: number) => plot.left + (rate / maxRate) * plot.width;
  const y = (ms: number) =>
    plot.top +
    plot.height -
    ((Math.log10(Math.max(ms, lowMs)) - Math.log10(lowMs)) / Math.log10(highMs / lowMs)) * plot.height;
  const body: string[] = [];
  for (let ms = lowMs; ms <= highMs; ms *= 10) {
    body.push(
      `<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${y(ms)}" y2="${y(ms)}" stroke="#dddddd"/>`,
    );
    body.push(
      text(plot.left - 8, y(ms) + 4, ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`, 'text-anchor="end"'),
    );
  }
  const step = maxRate > 20 ? 5 : maxRate > 8 ? 2 : 1;
  for (let r = 0; r <= maxRate; r += step) {
    body.push(text(x(r), plot.top + plot.height + 16, String(r), 'text-anchor="middle"'));
  }
  body.push(
    `<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#888888"/>`,
    text(
      plot.left + plot.width / 2,
      plot.top + plot.height + 34,
      'orders arriving per second',
      'text-anchor="middle"',
    ),
  );
  series.forEach((s, i) => {
    const colour = COLOURS[(s.colour ?? i) % COLOURS.length] ?? '#000000';
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const path = s.points.map((p) => `${x(p.rate).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    for (const p of s.points)
      body.push(`<circle cx="${x(p.rate).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3" fill="${colour}"/>`);
    const ly = plot.top + 8 + i * 18;
    const lx = plot.left + plot.width + 16;
    body.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${ly + 6}" y2="${ly + 6}" stroke="${colour}" stroke-width="2"${dash}/>`,
    );
    body.push(text(lx + 28, ly + 10, s.name));
  });
  return svg(plot.top + plot.height + 50, title, body);
}

/** One bar of the CPU chart: what ran (an order, a no-op saga) and the milliseconds each process spent on it. */
export interface CpuBar {
  name: string;
  byProcessMs: Readonly<Record<string, number>>;
}

/** Milliseconds of CPU per run, one horizontal bar per kind of run, stacked by process. */
export function cpuChart(title: string, bars: readonly CpuBar[]): string {
  const plot = { left: 120, top: 44, width: 560, barHeight: 34, gap: 20 };
  const processes = [...new Set(bars.flatMap((b) => Object.keys(b.byProcessMs)))].sort(
    (a, b) =>
      Math.max(...bars.map((bar) => bar.byProcessMs[b] ?? 0)) -
      Math.max(...bars.map((bar) => bar.byProcessMs[a] ?? 0)),
  );
  const total = (b: CpuBar) => Object.values(b.byProcessMs).reduce((sum, ms) => sum + ms, 0);
  const maxMs = Math.max(1, ...bars.map(total));
  const scale = plot.width / maxMs;
  const body: string[] = [];
  bars.forEach((bar, i) => {
    const top = plot.top + i * (plot.barHeight + plot.gap);
    let left = plot.left;
    body.push(text(plot.left - 8, top + plot.barHeight / 2 + 4, bar.name, 'text-anchor="end"'));
    for (const [j, name] of processes.entries()) {
      const ms = bar.byProcessMs[name] ?? 0;
      if (ms <= 0) continue;
      const colour = COLOURS[j % COLOURS.length] ?? '#000000';
      body.push(
        `<rect x="${left.toFixed(1)}" y="${top}" width="${(ms * scale).toFixed(1)}" height="${plot.barHeight}" fill="${colour}"><title>${escape(`${name}: ${ms.toFixed(0)} ms`)}</title></rect>`,
      );
      left += ms * scale;
    }
    body.push(text(left + 6, top + plot.barHeight / 2 + 4, `${total(bar).toFixed(0)} ms`));
  });
  const legendTop = plot.top + bars.length * (plot.barHeight + plot.gap) + 4;
  processes.forEach((name, j) => {
    const colour = COLOURS[j % COLOURS.length] ?? '#000000';
    const lx = plot.left + (j % 4) * 150;
    const ly = legendTop + Math.floor(j / 4) * 18;
    body.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${colour}"/>`);
    body.push(text(lx + 18, ly + 10, name));
  });
  return svg(legendTop + Math.ceil(processes.length / 4) * 18 + 16, title, body);
}

/** What the charts read of a benchmark's JSON (`npm run bench`). */
interface BenchReport {
  orders: number;
  concurrency: number;
  results: { cpuPerOrder: { byProcessMs: Record<string, number> } };
  limits: { cpuPerNoopSaga: { byProcessMs: Record<string, number> } };
}

/** What the charts read of an open loop's JSON (`npm run bench:open-loop`). */
interface OpenLoopReport {
  results: {
    topology: string;
    rates: {
      offeredPerSecond: number;
      sagaMs: { p50: number; p99: number };
      endToEndMs: { p99: number };
      projectionLagMs: { p99: number };
    }[];
  }[];
}

const isBench = (r: unknown): r is BenchReport =>
  typeof r === 'object' && r !== null && 'limits' in r && 'results' in r;
const isOpenLoop = (r: unknown): r is OpenLoopReport =>
  typeof r === 'object' && r !== null && 'results' in r && Array.isArray(r.results);

/** The CPU chart of a benchmark run: an order and a no-op saga, by process. */
export function benchCpuChart(r: BenchReport): string {
  return cpuChart(`CPU per run, by process (${r.orders} orders at concurrency ${r.concurrency})`, [
    { name: 'an order', byProcessMs: r.results.cpuPerOrder.byProcessMs },
    { name: 'a no-op saga', byProcessMs: r.limits.cpuPerNoopSaga.byProcessMs },
  ]);
}

/** The latency chart of an open loop: for each topology, the saga's p50 and p99, end to end p99, the projection lag p99. */
export function openLoopLatencyChart(r: OpenLoopReport): string {
  type Rate = OpenLoopReport['results'][number]['rates'][number];
  const figures: [string, (rate: Rate) => number][] = [
    ['end to end p99', (x) => x.endToEndMs.p99],
    ['saga p99', (x) => x.sagaMs.p99],
    ['saga p50', (x) => x.sagaMs.p50],
    ['projection lag p99', (x) => x.projectionLagMs.p99],
  ];
  // one colour per figure, one line style per topology (the second dashed)
  const series = r.results.flatMap(({ topology, rates }, t) =>
    figures.map(([name, ms], colour): Series => ({
      name: `${topology}: ${name}`,
      points: rates.map((rate) => ({ rate: rate.offeredPerSecond, ms: ms(rate) })),
      colour,
      dashed: t > 0,
    })),
  );
  return latencyChart('Latency against the arrival rate (open loop)', series);
}

/** Writes the charts of a results JSON beside it (`<name>.cpu.svg` or `<name>.latency.svg`); their paths. */
export function writeChartsOf(jsonFile: string): string[] {
  const report: unknown = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const base = jsonFile.replace(/\.json$/, '');
  if (isBench(report)) {
    writeFileSync(`${base}.cpu.svg`, benchCpuChart(report));
    return [`${base}.cpu.svg`];
  }
  if (isOpenLoop(report)) {
    writeFileSync(`${base}.latency.svg`, openLoopLatencyChart(report));
    return [`${base}.latency.svg`];
  }
  return [];
}

// `npm run bench:charts -- bench/results/<file>.json …`: the charts of saved results, again.
if (require.main === module) {
  for (const file of process.argv.slice(2)) for (const made of writeChartsOf(file)) console.log(made);
}
