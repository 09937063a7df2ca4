import { describe, expect, it } from 'vitest';
import { mannKendall } from '../src/analysis/mann-kendall.js';
import { theilSen } from '../src/analysis/theil-sen.js';
import { fitLinear, confidenceInterval } from '../src/analysis/regression.js';
import { tQuantile, normalQuantile, normalCdf } from '../src/analysis/distributions.js';
import { median, scaledMad } from '../src/analysis/order-statistics.js';

describe('Mann–Kendall against published examples', () => {
  it('matches the worked example "by hand" (Little, Holy Cross): S = 54, Var(S) with one tie, Z = 2.9058, p = .0018', () => {
    const series = [12.9, 14.8, 13.2, 15.7, 13.8, 15.6, 12.9, 11.0, 17.3, 15.9, 19.0, 18.3, 20.1, 21.7];
    const mk = mannKendall(series);
    expect(mk.n).toBe(14);
    expect(mk.s).toBe(54);
    expect(mk.varianceS).toBeCloseTo((14 * 13 * 33) / 18 - (2 * 1 * 9) / 18, 10);
    expect(mk.z).toBeCloseTo(2.9058, 4);
    expect(mk.pIncreasing).toBeCloseTo(0.0018, 4);
    expect(mk.tau).toBeCloseTo(54 / 91, 12);
  });

  it('uses the tie-corrected variance (Gilbert 1987 eq. 16.4) and the continuity correction', () => {
    // Values 1,1,2,2,2,3: ties of 2 and 3 → Var = [6·5·17 − 2·1·9 − 3·2·11]/18 = (510 − 18 − 66)/18.
    const mk = mannKendall([1, 1, 2, 2, 2, 3]);
    expect(mk.s).toBe(11);
    expect(mk.varianceS).toBeCloseTo(426 / 18, 12);
    expect(mk.z).toBeCloseTo(10 / Math.sqrt(426 / 18), 12);
  });

  it('finds no trend in a flat or falling series', () => {
    expect(mannKendall([5, 5, 5, 5]).z).toBe(0);
    expect(mannKendall([4, 3, 2, 1]).pIncreasing).toBeGreaterThan(0.95);
  });
});

describe('Theil–Sen against Sen (1968)', () => {
  it('gives slope 4 and the 93% interval (3.71, 4.38) on Sen’s example', () => {
    const x = [1, 2, 3, 4, 10, 12, 18];
    const y = [9, 15, 19, 20, 45, 55, 78];
    const ts = theilSen(x, y, 0.93);
    expect(ts.slope).toBe(4);
    expect(ts.intercept).toBe(4);
    expect(ts.lower).toBeCloseTo(3.71, 2);
    expect(ts.upper).toBeCloseTo(4.38, 2);
    expect(ts.pairs).toBe(21);
  });

  it('gives the basic slope and intercept of [0, 1, 1] (0.5, 0.5) and ignores one wild point', () => {
    const ts = theilSen([0, 1, 2], [0, 1, 1]);
    expect(ts.slope).toBe(0.5);
    expect(ts.intercept).toBe(0.5);
    const robust = theilSen([0, 1, 2, 3, 4, 5, 6], [0, 2, 4, 600, 8, 10, 12]);
    expect(robust.slope).toBe(2);
  });
});

describe('least squares against NIST StRD Norris (certified values)', () => {
  const y = [0.1, 338.8, 118.1, 888.0, 9.2, 228.1, 668.5, 998.5, 449.1, 778.9, 559.2, 0.3, 0.1, 778.1, 668.8, 339.3, 448.9, 10.8, 557.7, 228.3,
    998.0, 888.8, 119.6, 0.3, 0.6, 557.6, 339.3, 888.0, 998.5, 778.9, 10.2, 117.6, 228.9, 668.4, 449.2, 0.2];
  const x = [0.2, 337.4, 118.2, 884.6, 10.1, 226.5, 666.3, 996.3, 448.6, 777.0, 558.2, 0.4, 0.6, 775.5, 666.9, 338.0, 447.5, 11.6, 556.0, 228.1,
    995.8, 887.6, 120.2, 0.3, 0.3, 556.8, 339.1, 887.2, 999.0, 779.0, 11.1, 118.3, 229.2, 669.1, 448.9, 0.5];

  it('matches the certified coefficients, standard errors, residual SD and R²', () => {
    const fit = fitLinear(x.map((v) => [1, v]), y)!;
    expect(fit).not.toBeNull();
    expect(fit.coefficients[0]).toBeCloseTo(-0.262323073774029, 10);
    expect(fit.coefficients[1]).toBeCloseTo(1.00211681802045, 12);
    expect(fit.standardErrors[0]).toBeCloseTo(0.232818234301152, 10);
    expect(fit.standardErrors[1]).toBeCloseTo(0.429796848199937e-3, 12);
    expect(fit.residualStandardError).toBeCloseTo(0.884796396144373, 10);
    expect(fit.rSquared).toBeCloseTo(0.999993745883712, 12);
    expect(fit.rss).toBeCloseTo(26.6173985294224, 8);
    expect(fit.dof).toBe(34);
  });

  it('expresses each coefficient as a weighted sum of the observations', () => {
    const fit = fitLinear(x.map((v) => [1, v]), y)!;
    const slope = fit.estimatorWeights[1]!.reduce((s, w, i) => s + w * y[i]!, 0);
    expect(slope).toBeCloseTo(1.00211681802045, 10);
  });

  it('recovers an exact quadratic with weights and rejects a rank-deficient design', () => {
    const s = [100, 200, 300, 400, 500];
    const fit = fitLinear(s.map((v) => [1, v, v * v]), s.map((v) => 3 + 0.5 * v + 0.002 * v * v), s.map((v) => 1 / v))!;
    expect(fit.coefficients[0]).toBeCloseTo(3, 6);
    expect(fit.coefficients[1]).toBeCloseTo(0.5, 9);
    expect(fit.coefficients[2]).toBeCloseTo(0.002, 12);
    expect(fitLinear([[1, 5], [1, 5], [1, 5]], [1, 2, 3])).toBeNull();
  });
});

describe('distribution functions and order statistics', () => {
  it('gives textbook quantiles', () => {
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.7062, 4);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.2281, 4);
    expect(tQuantile(0.975, Infinity)).toBeCloseTo(1.96, 2);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    const [lo, hi] = confidenceInterval(10, 1, 10);
    expect(lo).toBeCloseTo(10 - 2.2281, 4);
    expect(hi).toBeCloseTo(10 + 2.2281, 4);
  });

  it('computes medians and a MAD that estimates σ', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(scaledMad([1, 2, 3, 4, 100])).toBeCloseTo(1.4826, 4);
  });
});
