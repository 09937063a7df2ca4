/**
 * Axis ticks at "nice" values (1, 2, 2.5, 5 × 10ᵏ of a unit people read: MiB, GiB, s), so a chart's
 * gridlines land on numbers worth reading.
 */

export type AxisUnit = 'count' | 'bytes' | 'ms' | 'ratio';

export interface AxisScale {
  readonly min: number;
  readonly max: number;
  readonly ticks: readonly number[];
  /** Formats a tick value in the unit the ticks were chosen in, e.g. `512 MiB`. */
  readonly label: (value: number) => string;
}

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

/** The unit a range of values is best labelled in, and its size in base units. */
function displayUnit(unit: AxisUnit, maxAbs: number): { size: number; suffix: string } {
  switch (unit) {
    case 'bytes':
      if (maxAbs >= 1.5 * GiB) return { size: GiB, suffix: ' GiB' };
      if (maxAbs >= 1.5 * MiB) return { size: MiB, suffix: ' MiB' };
      if (maxAbs >= 1.5 * KiB) return { size: KiB, suffix: ' KiB' };
      return { size: 1, suffix: ' B' };
    case 'ms':
      if (maxAbs >= 180_000) return { size: 60_000, suffix: ' min' };
      if (maxAbs >= 2_000) return { size: 1000, suffix: ' s' };
      return { size: 1, suffix: ' ms' };
    case 'ratio':
      return { size: 1, suffix: '×' };
    case 'count':
      return { size: 1, suffix: '' };
  }
}

/** A step of 1, 2, 2.5 or 5 × 10ᵏ giving about `target` intervals over `span`. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0)) return 1;
  const raw = span / Math.max(1, target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  const frac = raw / pow;
  const m = frac <= 1 ? 1 : frac <= 2 ? 2 : frac <= 2.5 ? 2.5 : frac <= 5 ? 5 : 10;
  return m * pow;
}

/**
 * A scale covering [dataMin, dataMax] (widened to include 0 when `fromZero`), with ticks at nice
 * values of the display unit. Counts get whole-number ticks.
 */
export function axisScale(unit: AxisUnit, dataMin: number, dataMax: number, options: { fromZero?: boolean; target?: number } = {}): AxisScale {
  let lo = Number.isFinite(dataMin) ? dataMin : 0;
  let hi = Number.isFinite(dataMax) ? dataMax : 1;
  if (options.fromZero !== false) lo = Math.min(0, lo);
  if (hi <= lo) hi = lo + (unit === 'bytes' ? MiB : 1);
  const { size, suffix } = displayUnit(unit, Math.max(Math.abs(lo), Math.abs(hi)));
  let step = niceStep((hi - lo) / size, options.target ?? 5);
  if (unit === 'count') step = Math.max(1, Math.round(step));
  const first = Math.floor(lo / size / step) * step;
  const last = Math.ceil(hi / size / step) * step;
  const ticks: number[] = [];
  for (let v = first, i = 0; v <= last + step * 1e-9 && i < 100; v = first + ++i * step) ticks.push(Number((v * size).toPrecision(12)));
  const decimals = (String(Number(step.toPrecision(12))).split('.')[1] ?? '').length;
  const label = (value: number): string => {
    const n = value / size;
    const text = unit === 'count' && size === 1 ? Math.round(n).toLocaleString('en-US') : n.toFixed(Math.min(decimals, 3));
    return text + suffix;
  };
  return { min: first * size, max: last * size, ticks, label };
}
