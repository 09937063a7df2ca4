/** Numbers for people in reports: one place decides how a percentage, a duration or a count reads. */
import { formatBytes } from '../units.js';

export { formatBytes };

/** `12345` → `12,345`; null → `—`. */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.round(value).toLocaleString('en-US');
}

/** A plain number to at most `digits` significant digits, without exponent noise; null → `—`. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return formatCount(value);
  return String(Number(value.toPrecision(digits)));
}

/** `0.382` → `38.2%` (a fraction in, a percentage out); null → `—`. */
export function formatPercent(fraction: number | null | undefined, digits = 3): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return `${formatNumber(fraction * 100, digits)}%`;
}

/** A ratio near 1 to three decimals (`0.998`, `1.000`), so small differences stay visible; null → `—`. */
export function formatRatio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 100 ? formatNumber(value) : value.toFixed(3);
}

/** Milliseconds as `850 ms`, `12.3 s`, `4.2 min`; null → `—`. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.abs(ms) < 1000) return `${Math.round(ms)} ms`;
  if (Math.abs(ms) < 120_000) return `${formatNumber(ms / 1000)} s`;
  return `${formatNumber(ms / 60_000)} min`;
}

/** Bytes with a 95% CI: `1.20 MiB (95% CI 1.10–1.31 MiB)`. */
export function formatBytesWithCi(value: number | null | undefined, ci: readonly [number | null, number | null] | null | undefined): string {
  const main = formatBytes(value);
  if (!ci || ci[0] === null || ci[1] === null || !Number.isFinite(ci[0]) || !Number.isFinite(ci[1])) return main;
  return `${main} (95% CI ${formatBytes(ci[0])} – ${formatBytes(ci[1])})`;
}
