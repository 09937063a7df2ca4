/**
 * Rounding for report.json: the same input must give byte-identical JSON, and nobody needs the
 * 15th digit of a ratio. Bytes become integers, ratios and statistics 4 significant digits.
 */

/** Bytes (or byte rates) to a whole number; null and non-finite values become null. */
export function roundBytes(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const rounded = Math.round(value);
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** A ratio or statistic to 4 significant digits; null and non-finite values become null. */
export function sig4(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  if (value === 0) return 0;
  return Number(value.toPrecision(4));
}
