import { describe, expect, it } from 'vitest';
import { fitLinear, confidenceInterval } from '../src/analysis/regression.js';
import { fCdf, tCdf, tQuantile, normalQuantile, normalCdf } from '../src/analysis/distributions.js';
import { fitModel, interceptOf, type Term } from '../src/analysis/model/fit.js';
import { pureErrorOf, type Point } from '../src/analysis/model/points.js';
import { deployLimitBytes, projectOom } from '../src/analysis/model/projection.js';
import { chiSquareOverDof, seededRandom } from '../src/analysis/random.js';
import { median, scaledMad } from '../src/analysis/order-statistics.js';

describe('least squares against NIST StRD Norris (certified values)', () => {
  const y = [
    0.1, 338.8, 118.1, 888.0, 9.2, 228.1, 668.5, 998.5, 449.1, 778.9, 559.2, 0.3, 0.1, 778.1, 668.8, 339.3, 448.9, 10.8, 557.7, 228.3, 998.0, 888.8, 119.6, 0.3,
    0.6, 557.6, 339.3, 888.0, 998.5, 778.9, 10.2, 117.6, 228.9, 668.4, 449.2, 0.2,
  ];
  const x = [
    0.2, 337.4, 118.2, 884.6, 10.1, 226.5, 666.3, 996.3, 448.6, 777.0, 558.2, 0.4, 0.6, 775.5, 666.9, 338.0, 447.5, 11.6, 556.0, 228.1, 995.8, 887.6, 120.2,
    0.3, 0.3, 556.8, 339.1, 887.2, 999.0, 779.0, 11.1, 118.3, 229.2, 669.1, 448.9, 0.5,
  ];

  it('matches the certified coefficients, standard errors, residual SD and R²', () => {
    const fit = fitLinear(
      x.map((v) => [1, v]),
      y,
    )!;
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
    const fit = fitLinear(
      x.map((v) => [1, v]),
      y,
    )!;
    const slope = fit.estimatorWeights[1]!.reduce((s, w, i) => s + w * y[i]!, 0);
    expect(slope).toBeCloseTo(1.00211681802045, 10);
  });

  it('recovers an exact quadratic with weights and rejects a rank-deficient design', () => {
    const s = [100, 200, 300, 400, 500];
    const fit = fitLinear(
      s.map((v) => [1, v, v * v]),
      s.map((v) => 3 + 0.5 * v + 0.002 * v * v),
      s.map((v) => 1 / v),
    )!;
    expect(fit.coefficients[0]).toBeCloseTo(3, 6);
    expect(fit.coefficients[1]).toBeCloseTo(0.5, 9);
    expect(fit.coefficients[2]).toBeCloseTo(0.002, 12);
    expect(
      fitLinear(
        [
          [1, 5],
          [1, 5],
          [1, 5],
        ],
        [1, 2, 3],
      ),
    ).toBeNull();
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

describe('F and t distribution functions against printed tables', () => {
  it('gives the 5 % and 1 % points of F and the 97.5 % point of t', () => {
    // F tables: F(1, 3; 0.95) = 10.13, F(2, 10; 0.95) = 4.10, F(4, 20; 0.99) = 4.43.
    expect(fCdf(10.128, 1, 3)).toBeCloseTo(0.95, 4);
    expect(fCdf(4.103, 2, 10)).toBeCloseTo(0.95, 3);
    expect(fCdf(4.431, 4, 20)).toBeCloseTo(0.99, 3);
    // An infinite second dof is χ²(d1)/d1: χ²(3; 0.95) = 7.815.
    expect(fCdf(7.815 / 3, 3, Infinity)).toBeCloseTo(0.95, 3);
    expect(tCdf(2.228, 10)).toBeCloseTo(0.975, 4);
    expect(tCdf(1.96, Infinity)).toBeCloseTo(0.975, 4);
  });
});

function point(segment: number, services: number, memoryBytes: number, readings: number[] = [memoryBytes]): Point {
  return { index: 0, segment, event: 'round', memoryBytes, readings, services, deploys: 0, supersededServices: 0, afterGc: true };
}

describe('the curve model fit', () => {
  const services: Term = { name: 'services', value: (p) => p.services, fixed: null };
  const pts = [point(0, 100, 130), point(0, 200, 228), point(0, 300, 333), point(1, 300, 301), point(1, 400, 398), point(1, 500, 505)];

  it('with an intercept per segment equals least squares with explicit segment dummies (Frisch–Waugh–Lovell)', () => {
    const fit = fitModel(
      pts,
      pts.map(() => 1),
      [services],
    )!;
    const dummies = fitLinear(
      pts.map((p) => [p.segment === 0 ? 1 : 0, p.segment === 1 ? 1 : 0, p.services]),
      pts.map((p) => p.memoryBytes),
    )!;
    expect(fit.coefficients[0]).toBeCloseTo(dummies.coefficients[2]!, 10);
    expect(interceptOf(fit, 0)).toBeCloseTo(dummies.coefficients[0]!, 8);
    expect(interceptOf(fit, 1)).toBeCloseTo(dummies.coefficients[1]!, 8);
    expect(fit.rssWeighted).toBeCloseTo(dummies.rss, 8);
    expect(fit.dof).toBe(dummies.dof);
    // Var(slope) = σ̂²·(XᵀX)⁻¹ with σ̂² = RSS/dof, as for the dummy regression.
    expect(Math.sqrt(fit.covariance[0]![0]!)).toBeCloseTo(dummies.standardErrors[2]!, 10);
  });

  it('with one shared intercept equals plain least squares, and computes AICc by the textbook formula', () => {
    const fit = fitModel(
      pts,
      pts.map(() => 1),
      [services],
      false,
    )!;
    const plain = fitLinear(
      pts.map((p) => [1, p.services]),
      pts.map((p) => p.memoryBytes),
    )!;
    expect(fit.coefficients[0]).toBeCloseTo(plain.coefficients[1]!, 10);
    const n = 6;
    const k = 3; // slope, intercept, variance
    const aic = n * Math.log((2 * Math.PI * plain.rss) / n) + n + 2 * k;
    expect(fit.aicc).toBeCloseTo(aic + (2 * k * (k + 1)) / (n - k - 1), 8);
  });

  it('measures pure error as the pooled relative variance of replicates', () => {
    // Readings 99, 101 (mean 100) and 198, 200, 202 (mean 200): relative deviations ±1 % each.
    const pe = pureErrorOf([point(0, 1, 100, [99, 101]), point(0, 2, 200, [198, 200, 202])]);
    expect(pe.source).toBe('replicates');
    expect(pe.dof).toBe(3);
    expect(pe.relativeVariance).toBeCloseTo((2 * 0.01 ** 2 + 2 * 0.01 ** 2) / 3, 12);
    expect(pureErrorOf([point(0, 1, 100)]).source).toBe('prior');
  });

  it('projects a linear model to the exact crossing, and its interval brackets it', () => {
    // memory = 100 + 1·services (a tiny scatter for a finite scale): limit 990 ÷ 2 = 495, crossed at 395 services.
    const linear = [0, 100, 200, 300].map((s, i) => point(0, s, 100 + s + (i % 2 === 0 ? 0.01 : -0.01)));
    const fit = fitModel(
      linear,
      linear.map(() => 1),
      [services],
      false,
    )!;
    const start = {
      last: linear[3]!,
      batchServices: 10,
      heapMaxBytes: 990,
      peakFactor: 2,
      peakFactorSamples: [],
      registrationBytesPerService: 0,
      registrationSamples: [],
      batchSamples: [],
    };
    const p = projectOom(fit, start, 2000);
    // The round of 10 that ends at 400 is the first whose memory × factor reaches the heap max;
    // the deploy after it (to 410) is the one that fails.
    expect(p.services).toBe(410);
    expect(p.interval[0]!).toBeLessThanOrEqual(405.5);
    expect(p.interval[0]!).toBeGreaterThan(400);
    expect(p.interval[1]!).toBeGreaterThanOrEqual(410);
    expect(p.interval[1]!).toBeLessThan(420);
    // Registering a round of 10 first adds 2 bytes a service: a deploy starting from memory M needs
    // 2·(M + 20), so the limit on M is 495 − 20 = 475, crossed at 375; the deploy to 390 fails.
    const withGrowth = projectOom(fit, { ...start, registrationBytesPerService: 2 }, 2000);
    expect(withGrowth.services).toBe(390);
    expect(withGrowth.interval[0]!).toBeGreaterThan(380);
    expect(withGrowth.interval[1]!).toBeLessThan(400);
    expect(deployLimitBytes(990, 2, 2, 10)).toBe(475);
    // Measured growth that scatters around zero draws as zero, never as room freed before a deploy.
    const scattered = projectOom(fit, { ...start, registrationSamples: [-3, -2, -1, -0.5] }, 2000);
    expect(scattered.services).toBe(410);
    // (The same interval but for the random draws the bootstrap takes.)
    expect(Math.abs(scattered.interval[0]! - p.interval[0]!)).toBeLessThan(2);
    expect(Math.abs(scattered.interval[1]! - p.interval[1]!)).toBeLessThan(2);
    // Measured growth of 1-3 bytes a service widens the interval towards the earlier crash.
    const drawn = projectOom(fit, { ...start, registrationBytesPerService: 2, registrationSamples: [1, 2, 2, 3] }, 2000);
    expect(drawn.services).toBe(390);
    expect(drawn.interval[0]!).toBeLessThan(withGrowth.interval[0]!);
    expect(drawn.interval[1]!).toBeGreaterThan(withGrowth.interval[1]!);
  });
});

describe('the seeded random source', () => {
  it('repeats its sequence for a seed, and χ²/ν draws average 1', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect([a.uniform(), a.normal(), a.uniform()]).toEqual([b.uniform(), b.normal(), b.uniform()]);
    const r = seededRandom(7);
    let sum = 0;
    for (let i = 0; i < 20000; i++) sum += chiSquareOverDof(r, 10);
    expect(sum / 20000).toBeCloseTo(1, 1);
  });
});
