/**
 * Normal and Student t distribution functions, from stdlib's accurate implementations (hand-rolled
 * approximations of t quantiles are a classic source of wrong confidence intervals).
 */
import normalCdfOf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileOf from '@stdlib/stats-base-dists-normal-quantile';
import tQuantileOf from '@stdlib/stats-base-dists-t-quantile';
import tCdfOf from '@stdlib/stats-base-dists-t-cdf';
import fCdfOf from '@stdlib/stats-base-dists-f-cdf';

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

/** P(T ≤ t) for Student's t with `dof` degrees of freedom; the normal CDF when `dof` is infinite. */
export function tCdf(t: number, dof: number): number {
  if (!Number.isFinite(dof)) return normalCdf(t);
  return tCdfOf(t, dof);
}

/**
 * P(F ≤ f) for Fisher's F with (d1, d2) degrees of freedom. An infinite d2 (a variance taken as
 * known) gives the χ²(d1)/d1 distribution, reached here through a very large d2.
 */
export function fCdf(f: number, d1: number, d2: number): number {
  return fCdfOf(f, d1, Number.isFinite(d2) ? d2 : 1e9);
}
