/**
 * How sure are we that B differs from A? The ratio B/A of two independent estimates, each with its
 * standard error, and a confidence interval for it by Fieller's theorem (Fieller 1954; e.g. Franz
 * 2007, "Ratios: A short guide to confidence limits and proper use"). Unlike the delta method,
 * Fieller's interval is asymmetric where it should be and says so when the denominator is too
 * uncertain for any bounded interval.
 */
import { tQuantile } from '../analysis/distributions.js';

/** An estimate with its standard error and the degrees of freedom of that error (∞ when known exactly). */
export interface Estimate {
  readonly value: number;
  readonly standardError: number;
  readonly dof: number;
}

export type RatioInterval =
  | { readonly kind: 'bounded'; readonly ratio: number; readonly lower: number; readonly upper: number; readonly confidence: number }
  /** The denominator's interval includes zero: no bounded interval exists at this confidence. */
  | { readonly kind: 'unbounded'; readonly ratio: number; readonly confidence: number };

/**
 * Standard error from a two-sided interval [lower, upper] at `confidence` with `dof` degrees of
 * freedom (the inverse of estimate ± t·se).
 */
export function standardErrorOfInterval(lower: number, upper: number, dof: number, confidence = 0.95): number {
  const t = tQuantile(1 - (1 - confidence) / 2, dof);
  return (upper - lower) / (2 * t);
}

/**
 * Fieller's interval for b/a, a and b independent: the set of r with
 * (b − r·a)² ≤ t²·(se_b² + r²·se_a²). t uses the smaller of the two dofs (conservative; the
 * Welch–Satterthwaite value lies between it and their sum).
 */
export function fiellerRatio(a: Estimate, b: Estimate, confidence = 0.95): RatioInterval {
  const ratio = b.value / a.value;
  const dof = Math.min(a.dof, b.dof);
  const t = tQuantile(1 - (1 - confidence) / 2, dof);
  const t2 = t * t;
  const va = a.standardError ** 2;
  const vb = b.standardError ** 2;
  // Quadratic in r: A r² − 2B r + C ≤ 0.
  const qa = a.value ** 2 - t2 * va;
  if (!(qa > 0)) return { kind: 'unbounded', ratio, confidence };
  const qb = a.value * b.value;
  const disc = qb * qb - qa * (b.value ** 2 - t2 * vb);
  const root = Math.sqrt(Math.max(0, disc));
  return { kind: 'bounded', ratio, lower: (qb - root) / qa, upper: (qb + root) / qa, confidence };
}
