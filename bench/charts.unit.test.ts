import { cpuChart, latencyChart } from './charts';

/** The attributes of each tag in an SVG: a repeated one makes it invalid XML (no viewer draws it). */
const repeatedAttributes = (svg: string) =>
  [...svg.matchAll(/<\w+([^>]*)>/g)].flatMap(([, attrs]) => {
    const names = [...(attrs ?? '').matchAll(/\s([\w-]+)=/g)].map((m) => m[1]);
    return names.filter((n, i) => names.indexOf(n) !== i);
  });

describe('the benchmark charts', () => {
  test('given CPU per run by process, then one bar each, its segments in proportion, every process in the legend', () => {
    const svg = cpuChart('CPU <per> run', [
      { name: 'an order', byProcessMs: { temporal: 40, 'saga-worker': 30, api: 10 } },
      { name: 'a no-op saga', byProcessMs: { temporal: 40, 'noop-worker': 20 } },
    ]);
    expect(repeatedAttributes(svg)).toEqual([]);
    expect(svg).toContain('CPU &#60;per&#62; run');
    const width = (name: string, ms: number) =>
      Number(new RegExp(`width="([\\d.]+)"[^>]*><title>${name}: ${ms} ms`).exec(svg)?.[1]);
    // 80 ms is the longest bar: 560 px; 40 ms of it half that
    expect(width('temporal', 40)).toBeCloseTo(280, 0);
    expect(width('api', 10)).toBeCloseTo(70, 0);
    expect(svg).toContain('>80 ms<');
    expect(svg).toContain('>60 ms<');
    for (const p of ['temporal', 'saga-worker', 'api', 'noop-worker']) expect(svg).toContain(`>${p}<`);
  });

  test('given latencies at three rates, then each series is a line through its points, slower drawn higher', () => {
    const svg = latencyChart('Latency', [
      {
        name: 'p99',
        points: [
          { rate: 1, ms: 100 },
          { rate: 2, ms: 1000 },
          { rate: 3, ms: 5000 },
        ],
      },
      {
        name: 'p50',
        points: [
          { rate: 1, ms: 50 },
          { rate: 2, ms: 60 },
          { rate: 3, ms: 70 },
        ],
        dashed: true,
      },
    ]);
    expect(repeatedAttributes(svg)).toEqual([]);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('stroke-dasharray');
    const ys = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBeGreaterThan(ys[1] ?? 0); // 100 ms below 1 s
    expect(ys[1]).toBeGreaterThan(ys[2] ?? 0);
    expect(svg).toContain('>10 s<');
  });
});
