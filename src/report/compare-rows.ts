/** The side-by-side table of a comparison as rows of text, shared by compare.html, Markdown and the terminal. */
import type { Comparison, Direction, MetricComparison } from './compare.js';
import { formatBytesWithCi, formatCount, formatNumber, formatPercent, formatRatio } from './format.js';

export interface CompareRow {
  readonly key: string;
  readonly label: string;
  readonly a: string;
  readonly b: string;
  /** `−38%`, `B/A 0.62 (95% CI 0.55–0.69)`, `leak → healthy`. */
  readonly change: string;
  readonly direction: Direction;
  /** `yes`, `no`, or `—` when not tested. */
  readonly beyondNoise: string;
}

const signed = (fraction: number | null): string =>
  fraction === null ? '—' : `${fraction > 0 ? '+' : fraction < 0 ? '−' : ''}${formatPercent(Math.abs(fraction), 2)}`;

function valueText(m: MetricComparison, side: 'a' | 'b'): string {
  const v = m[side];
  const ci = side === 'a' ? m.aCi95 : m.bCi95;
  switch (m.unit) {
    case 'bytes':
      return formatBytesWithCi(v, ci);
    case 'ratio':
      return v === null ? '—' : `${formatNumber(v)}×`;
    case 'exponent':
      return v === null ? '—' : `${formatNumber(v)}${ci && ci[0] !== null && ci[1] !== null ? ` (95% CI ${formatNumber(ci[0])}–${formatNumber(ci[1])})` : ''}`;
    case 'services':
      return v === null ? '—' : `≈ ${formatCount(v)}`;
  }
}

/** Rows in table order: memory per service, verdict, then the other numbers (rows with nothing on either side left out). */
export function compareRows(c: Comparison): CompareRow[] {
  const p = c.perService;
  const rows: CompareRow[] = [
    {
      key: 'perServiceBytes',
      label: 'Memory per service',
      a: formatBytesWithCi(p.aBytes, p.aCi95),
      b: formatBytesWithCi(p.bBytes, p.bCi95),
      change:
        p.ratio === null
          ? '—'
          : `${signed(p.ratio - 1)} (B/A ${formatRatio(p.ratio)}${p.ratioCi95 ? `, 95% CI ${formatRatio(p.ratioCi95[0])}–${formatRatio(p.ratioCi95[1])}` : ''})`,
      direction: p.direction,
      beyondNoise: p.direction === 'unknown' ? '—' : p.beyondNoise ? 'yes' : 'no',
    },
    {
      key: 'verdict',
      label: 'Verdict',
      a: c.verdict.a,
      b: c.verdict.b,
      change: c.verdict.a === c.verdict.b ? 'same' : `${c.verdict.a} → ${c.verdict.b}`,
      direction: c.verdict.direction,
      beyondNoise: '—',
    },
  ];
  for (const m of c.metrics) {
    if (m.a === null && m.b === null) continue;
    rows.push({
      key: m.key,
      label: m.label,
      a: valueText(m, 'a'),
      b: valueText(m, 'b'),
      change: signed(m.relativeChange),
      direction: m.direction,
      beyondNoise: m.beyondNoise === null ? '—' : m.beyondNoise ? 'yes' : 'no',
    });
  }
  return rows;
}

/** The thresholds in words. */
export function thresholdText(c: Comparison): string {
  return `regression when B holds more than ${formatPercent(c.thresholds.maxRegression)} more memory per service beyond noise, or leaks where A did not; changes under ${formatPercent(c.thresholds.noiseFloor)} count as noise`;
}
