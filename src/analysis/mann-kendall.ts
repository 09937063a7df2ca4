/**
 * The Mann–Kendall test for a monotonic trend (Mann 1945, Kendall 1975; as in Gilbert 1987,
 * §16.4): S counts later-minus-earlier signs over all pairs, its variance is corrected for tied
 * values, and Z uses the continuity correction. Distribution-free, so a GC sawtooth or a skewed
 * noise does not fool it the way a least-squares slope can be fooled.
 */
import { normalCdf } from './distributions.js';

export interface MannKendallResult {
  /** Number of values. */
  readonly n: number;
  /** Σ sign(xⱼ − xᵢ) over i < j: positive when later values tend to be larger. */
  readonly s: number;
  /** Var(S) = [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18, t = size of each group of tied values. */
  readonly varianceS: number;
  /** (S − sign(S)) / √Var(S): the continuity-corrected normal score; 0 when Var(S) is 0. */
  readonly z: number;
  /** Kendall's τ = S / (n(n−1)/2). */
  readonly tau: number;
  /** One-sided p-value for an increasing trend, P(Z ≥ z). */
  readonly pIncreasing: number;
  /** Two-sided p-value, 2·P(Z ≥ |z|). */
  readonly pTwoSided: number;
}

/** Sizes of the groups of equal values (groups of one left out). */
export function tieGroupSizes(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const sizes: number[] = [];
  let run = 1;
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i] === sorted[i - 1]) {
      run++;
    } else {
      if (run > 1) sizes.push(run);
      run = 1;
    }
  }
  return sizes;
}

/** Var(S) of the Mann–Kendall statistic with the correction for ties in the values. */
export function mannKendallVariance(n: number, tieSizes: readonly number[]): number {
  const tieTerm = tieSizes.reduce((sum, t) => sum + t * (t - 1) * (2 * t + 5), 0);
  return (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
}

/** Runs the test on values in time order. O(n²): callers thin very long series first. */
export function mannKendall(values: readonly number[]): MannKendallResult {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n - 1; i++) {
    const xi = values[i] as number;
    for (let j = i + 1; j < n; j++) {
      const d = (values[j] as number) - xi;
      s += d > 0 ? 1 : d < 0 ? -1 : 0;
    }
  }
  const varianceS = mannKendallVariance(n, tieGroupSizes(values));
  const z = varianceS > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(varianceS) : 0;
  const pairs = (n * (n - 1)) / 2;
  return {
    n,
    s,
    varianceS,
    z,
    tau: pairs > 0 ? s / pairs : 0,
    pIncreasing: 1 - normalCdf(z),
    pTwoSided: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))),
  };
}
