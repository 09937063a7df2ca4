/**
 * Normal and Student t distribution functions, from stdlib's accurate implementations (hand-rolled
 * approximations of t quantiles are a classic source of wrong confidence intervals).
 */
import normalCdfOf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileOf from '@stdlib/stats-base-dists-normal-quantile';
import tQuantileOf from '@stdlib/stats-base-dists-t-quantile';

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return normalCdfOf(z, 0, 1);
}

/** The z with P(Z ≤ z) = p for a standard normal Z. */
export function normalQuantile(p: number): number {
  return normalQuantileOf(p, 0, 1);
}

/**
 * The t with P(T ≤ t) = p for Student's t with `dof` degrees of freedom; the normal quantile when
 * `dof` is infinite.
 */
export function tQuantile(p: number, dof: number): number {
  if (!Number.isFinite(dof)) return normalQuantile(p);
  return tQuantileOf(p, dof);
}
