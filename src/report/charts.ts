/**
 * The charts of a run, as chart specs: memory vs services (with the growth model, its projection to
 * the heap max and the predicted out-of-memory point), deploy and round time vs services, and memory
 * vs concurrency for traffic steps. Pure: a report in, specs out.
 */
import type { AnalysedRound } from '../analysis/analysis.js';
import { formatBytes, formatCount, formatMs, formatNumber } from './format.js';
import type { Report } from './build.js';
import { deployRowsOf } from './report-view.js';
import type { ChartPoint, ChartSeries, ChartSpec, MarkerShape } from './svg-chart.js';

/** Longest projection drawn, as a multiple of the largest service count measured. */
export const MAX_PROJECTION_FACTOR = 4;

const note = (r: AnalysedRound, what: string, bytes: number | null): string =>
  `#${r.index} ${r.role} · ${formatCount(r.services)} services · ${what} ${formatBytes(bytes)}`;

/** What the memory axis holds, in the user's words. */
export function memoryLabel(rows: readonly AnalysedRound[]): string {
  const first = rows.find((r) => r.role !== 'crash');
  if (first === undefined) return 'memory';
  return first.afterGc ? `live set after GC (${first.memorySource})` : `memory (${first.memorySource}, not after GC)`;
}

/** Memory the chosen curve model gives at each deploy row it fitted (`fittedBytes`). */
export function fittedPoints(_report: unknown, rows: readonly AnalysedRound[]): ChartPoint[] {
  return rows
    .filter((r) => r.fittedBytes !== null)
    .map((r) => ({ x: r.services, y: r.fittedBytes as number, note: `curve model at #${r.index}: ${formatBytes(r.fittedBytes)}` }));
}

/** The prediction's projected curve and its 95 % band, up to the first point past the deploy limit (or the edge of the chart). */
export function projectionPoints(report: Report, edge: number): { mid: ChartPoint[]; low: ChartPoint[]; high: ChartPoint[] } {
  const p = report.estimates.prediction;
  const all = p.path.filter((q) => q.services <= edge && q.memoryBytes !== null);
  const past = p.limitBytes === null ? -1 : all.findIndex((q) => (q.memoryBytes ?? 0) >= (p.limitBytes as number));
  const path = past < 0 ? all : all.slice(0, past + 1);
  return {
    mid: path.map((q) => ({
      x: q.services,
      y: q.memoryBytes as number,
      note: `projected (${p.model}): ${formatBytes(q.memoryBytes)} at ${formatCount(q.services)} services`,
    })),
    low: path.map((q) => ({ x: q.services, y: q.lowBytes ?? 0, note: `95 % band, low: ${formatBytes(q.lowBytes)}` })),
    high: path.map((q) => ({ x: q.services, y: q.highBytes ?? 0, note: `95 % band, high: ${formatBytes(q.highBytes)}` })),
  };
}

/**
 * The readings of `rows` against `x`: memory, RSS and the peak during each deploy, with restarts
 * and redeploys marked. The memory chart draws them against services, the timeline in time order.
 */
function readingSeries(
  report: Report,
  rows: readonly AnalysedRound[],
  x: (r: AnalysedRound) => number,
  look: { readonly rssMarker?: MarkerShape; readonly redeployLabel: string },
): ChartSeries[] {
  const point = (r: AnalysedRound, y: number, what: string): ChartPoint => ({ x: x(r), y, note: note(r, what, y) });
  return [
    { key: 'memory', label: memoryLabel(report.rounds), style: 'line', color: 'heap', points: rows.map((r) => point(r, r.memoryBytes, 'memory')) },
    {
      key: 'rss',
      label: 'RSS',
      style: 'line',
      color: 'rss',
      ...(look.rssMarker === undefined ? {} : { marker: look.rssMarker }),
      points: rows.flatMap((r) => (r.rssBytes === null ? [] : [point(r, r.rssBytes, 'RSS')])),
    },
    {
      key: 'deploy-peak',
      label: 'peak during deploy',
      style: 'markers',
      marker: 'triangle',
      color: 'peak',
      points: rows.flatMap((r) => (r.peakBytes === null ? [] : [point(r, r.peakBytes, 'deploy peak')])),
    },
    {
      key: 'restart',
      label: 'restart',
      style: 'markers',
      marker: 'square',
      color: 'restart',
      points: rows.filter((r) => r.role === 'restart').map((r) => point(r, r.memoryBytes, 'after restart')),
    },
    {
      key: 'redeploy',
      label: look.redeployLabel,
      style: 'markers',
      marker: 'diamond',
      color: 'redeploy',
      points: rows.filter((r) => r.role === 'redeploy').map((r) => point(r, r.memoryBytes, 'after redeploy')),
    },
  ];
}

/** Memory vs services: the chart the product exists for. */
export function memoryChart(report: Report): ChartSpec {
  const rows = deployRowsOf(report);
  const crash = report.rounds.filter((r) => r.role === 'crash');
  const series: ChartSeries[] = [];
  const add = (s: ChartSeries): void => {
    if (s.points.length > 0) series.push(s);
  };
  readingSeries(report, rows, (r) => r.services, { rssMarker: 'circle', redeployLabel: 'redeploy' }).forEach(add);
  const model = report.estimates.model;
  add({ key: 'fit', label: `curve model: ${model?.chosen ?? 'none'}`, style: 'dashed', color: 'fit', points: fittedPoints(report, rows) });
  const maxServices = Math.max(1, ...report.rounds.map((r) => r.services));
  const band = projectionPoints(report, maxServices * MAX_PROJECTION_FACTOR);
  const projection = band.mid;
  add({ key: 'projection', label: 'projection', style: 'dotted', color: 'extrap', points: band.mid });
  add({ key: 'projection-low', label: 'projection, 95 % band (low)', style: 'dotted', color: 'band', points: band.low });
  add({ key: 'projection-high', label: 'projection, 95 % band (high)', style: 'dotted', color: 'band', points: band.high });
  const p = report.estimates.prediction;
  const oom = report.predictedOomServices;
  const oomInChart = oom !== null && p.limitBytes !== null && oom <= maxServices * MAX_PROJECTION_FACTOR;
  const maxMeasured = Math.max(0, ...report.rounds.flatMap((r) => [r.memoryBytes, r.rssBytes ?? 0, r.peakBytes ?? 0]), ...projection.map((q) => q.y));
  // Lines far above everything measured would flatten the curve into the axis: leave them to the caption.
  const showLimits = report.heapMaxBytes !== null && (oomInChart || report.heapMaxBytes <= 3 * maxMeasured);
  if (showLimits && p.limitBytes !== null && report.heapMaxBytes !== null && p.limitBytes < report.heapMaxBytes * 0.98) {
    add({
      key: 'deploy-limit',
      label: `deploy limit (heap max ÷ peak factor ${formatNumber(report.deployPeakFactor)}${(p.registrationBytesPerService ?? 0) > 0 ? ', less a round of registration' : ''})`,
      style: 'hline',
      color: 'extrap',
      endLabel: `deploy limit ${formatBytes(p.limitBytes)}`,
      points: [{ x: 0, y: p.limitBytes, note: `above ${formatBytes(p.limitBytes)} in use, a deploy's peak no longer fits in the heap max` }],
    });
  }
  if (showLimits && report.heapMaxBytes !== null) {
    add({
      key: 'heap-max',
      label: 'heap max',
      style: 'hline',
      color: 'heapmax',
      endLabel: `heap max ${formatBytes(report.heapMaxBytes)}`,
      points: [{ x: 0, y: report.heapMaxBytes, note: `heap max ${formatBytes(report.heapMaxBytes)}` }],
    });
  }
  if (oomInChart && p.limitBytes !== null) {
    const interval = report.predictedOomInterval;
    const range = interval === null ? '' : ` (95 % ${formatCount(interval[0])} – ${interval[1] === null ? 'beyond' : formatCount(interval[1])})`;
    add({
      key: 'predicted-oom',
      label: 'predicted out of memory',
      style: 'markers',
      marker: 'cross',
      color: 'oom',
      endLabel: `out of memory ≈ ${formatCount(oom)} services${range}`,
      points: [{ x: oom, y: p.limitBytes, note: `predicted: deploys run out of memory at ≈ ${formatCount(oom)} services${range}` }],
    });
  }
  add({
    key: 'crash',
    label: 'crash',
    style: 'markers',
    marker: 'cross',
    color: 'crash',
    ...(crash.length > 0 ? { endLabel: `crash at ${formatCount(crash[0]?.services)} services` } : {}),
    points: crash.map((r) => ({
      x: r.services,
      y: r.peakBytes ?? r.memoryBytes,
      note: `the gateway crashed at ${formatCount(r.services)} services (last peak ${formatBytes(r.peakBytes ?? r.memoryBytes)})`,
    })),
  });
  let caption =
    'Memory after each deploy. A healthy gateway climbs in a straight line and stays put on redeploys; old configurations kept alive bend the line upward and drop on restart. The dashed line is the curve model the verdict chose; the dotted lines, its projection with a 95 % band.';
  if (oom !== null && !oomInChart)
    caption += ` The projection reaches the heap max (${formatBytes(report.heapMaxBytes)}) at ≈ ${formatCount(oom)} services, beyond this chart.`;
  return {
    id: 'chart-memory',
    title: 'Memory vs services',
    caption,
    x: { label: 'services registered', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series,
  };
}

/** Deploy time and round time vs services. */
export function timeChart(report: Report): ChartSpec {
  const rows = deployRowsOf(report);
  const rounds = rows.filter((r) => r.role === 'round' || r.role === 'fresh-start');
  const series: ChartSeries[] = [];
  const add = (s: ChartSeries): void => {
    if (s.points.length > 0) series.push(s);
  };
  const ms = (r: AnalysedRound, what: string, v: number | null): string =>
    `#${r.index} ${r.role} · ${formatCount(r.services)} services · ${what} ${formatMs(v)}`;
  add({
    key: 'deploy',
    label: 'deploy',
    style: 'line',
    color: 'deploy',
    points: rounds.filter((r) => r.deployMs !== null).map((r) => ({ x: r.services, y: r.deployMs as number, note: ms(r, 'deploy', r.deployMs) })),
  });
  add({
    key: 'redeploy',
    label: 'redeploy',
    style: 'markers',
    marker: 'diamond',
    color: 'redeploy',
    points: rows
      .filter((r) => r.role === 'redeploy' && r.deployMs !== null)
      .map((r) => ({ x: r.services, y: r.deployMs as number, note: ms(r, 'redeploy', r.deployMs) })),
  });
  add({
    key: 'register',
    label: 'registration',
    style: 'line',
    color: 'register',
    marker: 'square',
    points: rounds.filter((r) => r.registerMs !== null).map((r) => ({ x: r.services, y: r.registerMs as number, note: ms(r, 'registration', r.registerMs) })),
  });
  add({
    key: 'round',
    label: 'whole round',
    style: 'line',
    color: 'round',
    points: rounds
      .filter((r) => r.elapsedMs !== null && r.services > 0)
      .map((r) => ({ x: r.services, y: r.elapsedMs as number, note: ms(r, 'round', r.elapsedMs) })),
  });
  const k = report.deployTimeExponent;
  const caption =
    k === null ? 'Time per round.' : `Deploy time grows as services^${formatNumber(k)} (1 = linear; above 1, each round's deploy costs more than the last).`;
  return {
    id: 'chart-time',
    title: 'Deploy and round time vs services',
    caption,
    x: { label: 'services registered', unit: 'count' },
    y: { label: 'time', unit: 'ms' },
    series,
  };
}

/** Memory after each traffic step vs the highest concurrency reached; null without load rows. */
export function concurrencyChart(report: Report): ChartSpec | null {
  const load = report.rounds.filter((r) => r.role === 'load' && r.concurrency !== null);
  if (load.length === 0) return null;
  const series: ChartSeries[] = [
    {
      key: 'load-memory',
      label: memoryLabel(report.rounds),
      style: 'line',
      color: 'load',
      points: load.map((r) => ({
        x: r.concurrency as number,
        y: r.memoryBytes,
        note: `#${r.index} after ${formatCount(r.concurrency)} in flight: ${formatBytes(r.memoryBytes)}`,
      })),
    },
  ];
  const rss = load.filter((r) => r.rssBytes !== null);
  if (rss.length > 0)
    series.push({
      key: 'load-rss',
      label: 'RSS',
      style: 'line',
      color: 'rss',
      points: rss.map((r) => ({ x: r.concurrency as number, y: r.rssBytes as number, note: `#${r.index} RSS ${formatBytes(r.rssBytes)}` })),
    });
  const b = report.bytesPerConcurrency;
  const caption = `Memory once each traffic step has drained, in step order.${b === null ? '' : ` Memory kept per unit of peak concurrency: ${formatBytes(b)}.`} A pool sized to the highest concurrency ever reached does not come back down when the load does.`;
  return {
    id: 'chart-concurrency',
    title: 'Memory vs concurrency',
    caption,
    x: { label: 'concurrency (requests in flight)', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series,
  };
}

/** Memory at every measurement in time order: redeploys (same services) and restarts spread out. */
export function timelineChart(report: Report): ChartSpec {
  const rows = report.rounds.filter((r) => r.role !== 'crash');
  const series: ChartSeries[] = [];
  const add = (s: ChartSeries): void => {
    if (s.points.length > 0) series.push(s);
  };
  readingSeries(report, rows, (r) => r.index, { redeployLabel: 'redeploy (no new services)' }).forEach(add);
  add({
    key: 'load',
    label: 'after a traffic step',
    style: 'markers',
    marker: 'circle',
    color: 'load',
    points: rows
      .filter((r) => r.role === 'load')
      .map((r) => ({ x: r.index, y: r.memoryBytes, note: `${note(r, 'memory', r.memoryBytes)} · concurrency ${formatCount(r.concurrency)}` })),
  });
  add({
    key: 'crash',
    label: 'crash',
    style: 'markers',
    marker: 'cross',
    color: 'crash',
    points: report.rounds
      .filter((r) => r.role === 'crash')
      .map((r) => ({ x: r.index, y: r.peakBytes ?? r.memoryBytes, note: `the gateway crashed at ${formatCount(r.services)} services` })),
  });
  const caption =
    'Every measurement in time order. Rounds add services; redeploys add none, so memory that climbs on redeploys, or falls at a restart, is memory the gateway kept.';
  return {
    id: 'chart-timeline',
    title: 'Memory over the run',
    caption,
    x: { label: 'measurement # (time order)', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series,
  };
}

/** Colours the nodes of a cluster take in turn. */
const NODE_COLORS = ['heap', 'load', 'register', 'redeploy', 'peak', 'b'] as const;

/** Each node's memory over the run beside their sum (`--memory-source`); null for one node. */
export function nodesChart(report: Report): ChartSpec | null {
  if (report.nodes.length === 0) return null;
  const series: ChartSeries[] = report.nodes.map((n, i) => ({
    key: n.node,
    label: `${n.node}: ${n.verdict}`,
    style: 'line',
    color: NODE_COLORS[i % NODE_COLORS.length] ?? 'heap',
    points: n.points.map((p) => ({
      x: p.index,
      y: p.memoryBytes,
      note: `#${p.index} ${n.node} at ${formatCount(p.services)} services: ${formatBytes(p.memoryBytes)}`,
    })),
  }));
  const rows = report.rounds.filter((r) => r.role !== 'crash');
  series.push({
    key: 'sum',
    label: "sum (the verdict's)",
    style: 'line',
    color: 'rss',
    points: rows.map((r) => ({ x: r.index, y: r.memoryBytes, note: `#${r.index} sum: ${formatBytes(r.memoryBytes)}` })),
  });
  const caption = `Each node's memory, analysed on its own: ${report.nodes.map((n) => `${n.node} ${n.verdict}`).join(', ')}. A leak on one node shows here even when the sum hides it.`;
  return {
    id: 'chart-nodes',
    title: 'Memory per node',
    caption,
    x: { label: 'measurement # (time order)', unit: 'count' },
    y: { label: 'memory', unit: 'bytes' },
    series,
  };
}
