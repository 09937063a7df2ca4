/**
 * A small SVG chart renderer: series of points in, one self-contained `<figure>` out. Charts are
 * drawn here rather than in the browser so report.html needs no script, prints crisply, follows
 * the page's colour scheme (series colours are CSS variables) and renders the same bytes every time.
 */
import { axisScale, type AxisScale, type AxisUnit } from './axis-ticks.js';
import { escapeHtml } from './escape.js';

/** How a series is drawn. `line` joins its points and marks each; `path` joins them without marks. */
export type SeriesStyle = 'line' | 'markers' | 'path' | 'dashed' | 'dotted' | 'hline' | 'vline';
export type MarkerShape = 'circle' | 'triangle' | 'square' | 'diamond' | 'cross';

export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  /** Tooltip text for this point (shown on hover, and read by screen readers). */
  readonly note?: string;
}

export interface ChartSeries {
  /** Stable id within the chart (tests select by it), e.g. `heap-after-gc`. */
  readonly key: string;
  readonly label: string;
  readonly style: SeriesStyle;
  /** Colour role: a CSS variable `--c-<color>` of the page. */
  readonly color: string;
  readonly marker?: MarkerShape;
  /** A text drawn next to the last point (e.g. "heap max 4.00 GiB"). */
  readonly endLabel?: string;
  readonly points: readonly ChartPoint[];
}

export interface ChartAxis {
  readonly label: string;
  readonly unit: AxisUnit;
  /** Start the axis at zero (default true). */
  readonly fromZero?: boolean;
  /** Force the axis to reach at least this value. */
  readonly max?: number;
}

export interface ChartSpec {
  /** Element id of the figure, e.g. `chart-memory`. */
  readonly id: string;
  readonly title: string;
  /** One line under the title saying what to look for. */
  readonly caption?: string;
  readonly x: ChartAxis;
  readonly y: ChartAxis;
  readonly series: readonly ChartSeries[];
}

const W = 760;
const H = 380;
const M = { left: 78, right: 24, top: 18, bottom: 50 };

const num = (v: number): string => String(Math.round(v * 10) / 10);

function markerPath(shape: MarkerShape, x: number, y: number, r: number): string {
  switch (shape) {
    case 'circle':
      return `<circle cx="${num(x)}" cy="${num(y)}" r="${r}"`;
    case 'square':
      return `<rect x="${num(x - r)}" y="${num(y - r)}" width="${2 * r}" height="${2 * r}"`;
    case 'triangle':
      return `<path d="M${num(x)} ${num(y - r * 1.2)}L${num(x + r * 1.1)} ${num(y + r * 0.8)}L${num(x - r * 1.1)} ${num(y + r * 0.8)}Z"`;
    case 'diamond':
      return `<path d="M${num(x)} ${num(y - r * 1.3)}L${num(x + r * 1.1)} ${num(y)}L${num(x)} ${num(y + r * 1.3)}L${num(x - r * 1.1)} ${num(y)}Z"`;
    case 'cross':
      return `<path d="M${num(x - r)} ${num(y - r)}L${num(x + r)} ${num(y + r)}M${num(x + r)} ${num(y - r)}L${num(x - r)} ${num(y + r)}"`;
  }
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function scales(spec: ChartSpec): { sx: AxisScale; sy: AxisScale } {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const s of spec.series) {
    for (const p of s.points) {
      if (s.style !== 'hline') xs.push(p.x);
      if (s.style !== 'vline') ys.push(p.y);
    }
  }
  if (spec.x.max !== undefined) xs.push(spec.x.max);
  if (spec.y.max !== undefined) ys.push(spec.y.max);
  const [x0, x1] = extent(xs);
  const [y0, y1] = extent(ys);
  return {
    sx: axisScale(spec.x.unit, x0, x1, { fromZero: spec.x.fromZero ?? true, target: 8 }),
    sy: axisScale(spec.y.unit, y0, y1, { fromZero: spec.y.fromZero ?? true, target: 6 }),
  };
}

/** Renders one chart as a `<figure>` holding an inline SVG and an HTML legend. */
export function renderChart(spec: ChartSpec): string {
  const { sx, sy } = scales(spec);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number): number => M.left + ((x - sx.min) / (sx.max - sx.min || 1)) * pw;
  const py = (y: number): number => M.top + ph - ((y - sy.min) / (sy.max - sy.min || 1)) * ph;
  const clipId = `${spec.id}-clip`;
  const out: string[] = [];
  out.push(`<svg class="chart-svg" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${escapeHtml(spec.id)}-title" preserveAspectRatio="xMidYMid meet">`);
  out.push(`<defs><clipPath id="${escapeHtml(clipId)}"><rect x="${M.left}" y="${M.top - 6}" width="${pw}" height="${ph + 12}"/></clipPath></defs>`);
  out.push('<g class="grid">');
  for (const t of sy.ticks) out.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${num(py(t))}" y2="${num(py(t))}"/>`);
  for (const t of sx.ticks) out.push(`<line y1="${M.top}" y2="${M.top + ph}" x1="${num(px(t))}" x2="${num(px(t))}"/>`);
  out.push('</g>');
  out.push(
    `<g class="axis"><line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}"/><line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}"/>`,
  );
  for (const t of sy.ticks) out.push(`<text class="tick" x="${M.left - 8}" y="${num(py(t) + 4)}" text-anchor="end">${escapeHtml(sy.label(t))}</text>`);
  for (const t of sx.ticks) out.push(`<text class="tick" x="${num(px(t))}" y="${M.top + ph + 18}" text-anchor="middle">${escapeHtml(sx.label(t))}</text>`);
  out.push(`<text class="axis-label" x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle">${escapeHtml(spec.x.label)}</text>`);
  out.push(`<text class="axis-label" transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(spec.y.label)}</text>`);
  out.push('</g>');
  out.push(`<g clip-path="url(#${escapeHtml(clipId)})">`);
  for (const s of spec.series) out.push(seriesSvg(s, px, py, { left: M.left, right: M.left + pw, top: M.top, bottom: M.top + ph }));
  out.push('</g>');
  for (const s of spec.series) out.push(endLabelSvg(s, px, py, { left: M.left, right: M.left + pw, top: M.top, bottom: M.top + ph }));
  out.push('</svg>');
  const pointCounts = spec.series.map((s) => s.points.length).join(',');
  const legend = spec.series
    .map((s) => `<li data-key="${escapeHtml(s.key)}"><span class="swatch c-${escapeHtml(s.color)}">${swatchSvg(s)}</span>${escapeHtml(s.label)}</li>`)
    .join('');
  return [
    `<figure class="chart" id="${escapeHtml(spec.id)}" data-series="${spec.series.length}" data-points="${pointCounts}">`,
    `<figcaption><span class="chart-title" id="${escapeHtml(spec.id)}-title">${escapeHtml(spec.title)}</span>`,
    spec.caption === undefined ? '' : `<span class="chart-caption">${escapeHtml(spec.caption)}</span>`,
    '</figcaption>',
    out.join(''),
    `<ul class="legend">${legend}</ul>`,
    '</figure>',
  ].join('');
}

interface Box {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

function seriesSvg(s: ChartSeries, px: (x: number) => number, py: (y: number) => number, box: Box): string {
  const attrs = `class="series c-${escapeHtml(s.color)} style-${s.style}" data-key="${escapeHtml(s.key)}" data-points="${s.points.length}"`;
  const parts: string[] = [`<g ${attrs}>`];
  const title = (p: ChartPoint): string => (p.note === undefined ? '' : `<title>${escapeHtml(p.note)}</title>`);
  if (s.style === 'hline') {
    for (const p of s.points) parts.push(`<path class="ln" d="M${box.left} ${num(py(p.y))}L${box.right} ${num(py(p.y))}">${title(p)}</path>`);
  } else if (s.style === 'vline') {
    for (const p of s.points) parts.push(`<path class="ln" d="M${num(px(p.x))} ${box.top}L${num(px(p.x))} ${box.bottom}">${title(p)}</path>`);
  } else {
    if (s.style !== 'markers' && s.points.length > 0) {
      const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(px(p.x))} ${num(py(p.y))}`).join('');
      parts.push(`<path class="ln" d="${d}"/>`);
    }
    if (s.style === 'line' || s.style === 'markers') {
      const shape = s.marker ?? 'circle';
      const r = s.style === 'line' ? 3.5 : 5;
      for (const p of s.points)
        parts.push(
          `${markerPath(shape, px(p.x), py(p.y), r)} class="pt${shape === 'cross' ? ' cross' : ''}">${title(p)}</${shape === 'circle' ? 'circle' : shape === 'square' ? 'rect' : 'path'}>`,
        );
    }
  }
  parts.push('</g>');
  return parts.join('');
}

/**
 * The label at a series' end. Horizontal lines are labelled at their left end, where memory curves
 * (which rise to the right) leave room; markers near the right edge are labelled to their left.
 */
function endLabelSvg(s: ChartSeries, px: (x: number) => number, py: (y: number) => number, box: Box): string {
  const last = s.points[s.points.length - 1];
  if (s.endLabel === undefined || last === undefined) return '';
  const cls = `end-label c-${escapeHtml(s.color)}`;
  const y = py(last.y);
  if (s.style === 'hline')
    return `<text class="${cls}" x="${box.left + 8}" y="${num(Math.max(box.top + 12, y - 6))}" text-anchor="start">${escapeHtml(s.endLabel)}</text>`;
  const x = px(last.x);
  const nearRight = x > box.left + (box.right - box.left) * 0.6;
  const ly = s.style === 'markers' ? y + 20 : y - 10;
  return `<text class="${cls}" x="${num(nearRight ? x - 10 : x + 10)}" y="${num(Math.min(box.bottom - 6, Math.max(box.top + 12, ly)))}" text-anchor="${nearRight ? 'end' : 'start'}">${escapeHtml(s.endLabel)}</text>`;
}

function swatchSvg(s: ChartSeries): string {
  const line = s.style === 'markers' ? '' : `<path class="ln style-${s.style}" d="M1 8L23 8"/>`;
  const mark =
    s.style === 'line' || s.style === 'markers' ? `${markerPath(s.marker ?? 'circle', 12, 8, 4)} class="pt${s.marker === 'cross' ? ' cross' : ''}"/>` : '';
  return `<svg viewBox="0 0 24 16" width="24" height="16" aria-hidden="true">${line}${mark}</svg>`;
}
