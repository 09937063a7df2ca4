/** Rounds a rule's numbers for report.json: whole numbers stay, `…Bytes` become integers, the rest 4 significant digits. */
import { roundBytes, sig4 } from './rounding.js';

export function roundNumbers(numbers: Readonly<Record<string, number | null | undefined>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const key of Object.keys(numbers)) {
    const value = numbers[key];
    if (value === null || value === undefined || !Number.isFinite(value)) out[key] = null;
    else if (Number.isInteger(value)) out[key] = value;
    else out[key] = /Bytes$/.test(key) ? roundBytes(value) : sig4(value);
  }
  return out;
}
