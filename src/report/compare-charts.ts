/** The charts of a comparison: both runs' memory curves on one chart, and both runs' deploy times. */
import { fittedPoints } from './charts.js';
import type { ComparedReport } from './compare.js';
import { formatBytes, formatCount, formatMs } from './format.js';
import { deployRowsOf } from './report-view.js';
import type { ChartSeries, ChartSpec } from './svg-chart.js';

type Side = { readonly name: 'A' | 'B'; readonly report: ComparedReport };

function memorySeries({ name, report }: Side): ChartSeries[] {
  const rows = deployRowsOf(report);
  const color = name === 'A' ? 'a' : 'b';
  const out: ChartSeries[] = [
    {
      key: `memory-${name.toLowerCase()}`,
      label: `${name}: memory`,
      style: 'line',
      color,
      marker: name === 'A' ? 'square' : 'circle',
      points: rows.map((r) => ({
        x: r.services,
        y: r.memoryBytes,
        note: `${name} #${r.index} ${r.role} · ${formatCount(r.services)} services · ${formatBytes(r.memoryBytes)}`,
      })),
    },
  ];
  const fit = fittedPoints(report, rows);
  if (fit.length > 0) out.push({ key: `fit-${name.toLowerCase()}`, label: `${name}: growth model`, style: 'dashed', color, points: fit });
  const crash = report.rounds.filter((r) => r.role === 'crash');
  if (crash.length > 0)
    out.push({
      key: `crash-${name.toLowerCase()}`,
      label: `${name}: crash`,
      style: 'markers',
      marker: 'cross',
      color: 'crash',
      points: crash.map((r) => ({ x: r.services, y: r.peakBytes ?? r.memoryBytes, note: `${name} crashed at ${formatCount(r.services)} services` })),
    });
  return out;
}

/** Memory vs services of both runs. */
export function compareMemoryChart(a: ComparedReport, b: ComparedReport): ChartSpec {
  return {
    id: 'chart-compare-memory',
    title: 'Memory vs services: A and B',
    caption: 'Memory after each deploy (redeploys stack at the last service count). The steeper or upward-bending curve holds more.',
    x: { label: 'services registered', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series: [...memorySeries({ name: 'A', report: a }), ...memorySeries({ name: 'B', report: b })],
  };
}

/** Deploy time vs services of both runs. */
export function compareTimeChart(a: ComparedReport, b: ComparedReport): ChartSpec {
  const series = (
    [
      { name: 'A', report: a },
      { name: 'B', report: b },
    ] as const
  ).flatMap(({ name, report }): ChartSeries[] => {
    const rows = deployRowsOf(report).filter((r) => (r.role === 'round' || r.role === 'fresh-start') && r.deployMs !== null);
    if (rows.length === 0) return [];
    return [
      {
        key: `deploy-${name.toLowerCase()}`,
        label: `${name}: deploy time`,
        style: 'line',
        color: name === 'A' ? 'a' : 'b',
        marker: name === 'A' ? 'square' : 'circle',
        points: rows.map((r) => ({
          x: r.services,
          y: r.deployMs as number,
          note: `${name} · ${formatCount(r.services)} services · deploy ${formatMs(r.deployMs)}`,
        })),
      },
    ];
  });
  return {
    id: 'chart-compare-time',
    title: 'Deploy time vs services: A and B',
    caption: 'Time one deploy of the whole configuration took, per round.',
    x: { label: 'services registered', unit: 'count' },
    y: { label: 'deploy time', unit: 'ms' },
    series,
  };
}
