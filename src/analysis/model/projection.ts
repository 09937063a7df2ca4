/**
 * The out-of-memory point: the chosen curve model projected forward from the last reading of the
 * current segment, in rounds of the run's last batch size (each round adds that many services and
 * deploys once, replacing the configuration before it), until a deploy's need — the deploy peak
 * factor × (memory in use + what registering the round's services adds first) — reaches the heap
 * max. The interval comes from draws of the model's coefficients from their sampling distribution
 * (multivariate t, scale φ̂ on the fit's degrees of freedom), of the peak factor and the
 * registration growth from their measured rounds (bootstrap of the median) and of the round size:
 * each draw is projected the same way.
 */
import { MAX_PROJECTED_ROUNDS, PREDICTION_DRAWS, PREDICTION_SEED } from '../constants.js';
import { chiSquareOverDof, seededRandom, type Random } from '../random.js';
import { median } from '../order-statistics.js';
import { interceptOf, type ModelFit } from './fit.js';
import type { Point } from './points.js';

export interface ProjectionStart {
  /** The last deploy point of the current segment. */
  readonly last: Point;
  /** Services each projected round adds. */
  readonly batchServices: number;
  /** The heap max, bytes. */
  readonly heapMaxBytes: number;
  /** The peak factor used for the point estimate. */
  readonly peakFactor: number;
  /** Measured per-deploy factors to resample for the interval (empty: the factor is taken as known). */
  readonly peakFactorSamples: readonly number[];
  /** Memory registering one service adds before the deploy starts, bytes (0: none measured). */
  readonly registrationBytesPerService: number;
  /** Measured per-round registration growth per service, to resample (fewer than two: taken as known). */
  readonly registrationSamples: readonly number[];
  /**
   * Services each round of the run added, to resample for the interval: when a run's rounds were
   * uneven, the rounds to come need not be the size of the last one (and retained configurations
   * pile up per round, not per service).
   */
  readonly batchSamples: readonly number[];
}

export interface ProjectionPathPoint {
  readonly services: number;
  readonly memoryBytes: number;
  /** 2.5 % and 97.5 % of the draws at this service count. */
  readonly lowBytes: number;
  readonly highBytes: number;
}

export interface Projection {
  /**
   * Service count of the first projected round whose deploy no longer fits: the round after the
   * first one whose memory reaches the deploy limit (that deploy starts from this memory); null
   * beyond the horizon.
   */
  readonly services: number | null;
  /**
   * 95 % interval over the draws (coefficients, peak factor, registration growth, round size): the failing deploy comes
   * between one and two rounds after the crossing, so from the 2.5 % point of crossing + one round
   * to the 97.5 % point of crossing + two rounds. The high end is null when more than 2.5 % of draws
   * never reach the limit.
   */
  readonly interval: readonly [number | null, number | null];
  readonly draws: number;
  /** The projected curve with its band, from the last reading to the predicted point (or 4× the services measured). */
  readonly path: readonly ProjectionPathPoint[];
}

interface Coefficients {
  readonly intercept: number;
  readonly beta: readonly number[];
}

/** Memory after k more rounds. */
function memoryAfter(fit: ModelFit, c: Coefficients, start: ProjectionStart, k: number): number {
  const { last, batchServices: b } = start;
  const point: Point = {
    ...last,
    event: k === 0 ? last.event : 'round',
    services: last.services + k * b,
    deploys: last.deploys + k,
    supersededServices: last.supersededServices + k * last.services + (b * k * (k - 1)) / 2,
  };
  return fit.terms.reduce((s, t, j) => s + t.value(point) * (c.beta[j] as number), c.intercept);
}

/**
 * The memory in use after a round at which the next round's deploy no longer fits: that deploy
 * starts from it plus its registration growth and needs `factor` × as much.
 */
export function deployLimitBytes(heapMaxBytes: number, factor: number, registrationBytesPerService: number, batchServices: number): number {
  return heapMaxBytes / factor - registrationBytesPerService * batchServices;
}

/** Where memory reaches the deploy limit along the projected rounds, interpolated between rounds; null past the horizon. */
function crossing(fit: ModelFit, c: Coefficients, start: ProjectionStart, factor: number, growth: number): number | null {
  const limit = deployLimitBytes(start.heapMaxBytes, factor, growth, start.batchServices);
  const at = (k: number): number => memoryAfter(fit, c, start, k);
  let hi = 1;
  while (at(hi) < limit) {
    if (hi >= MAX_PROJECTED_ROUNDS) return null;
    hi = Math.min(MAX_PROJECTED_ROUNDS, hi * 2);
  }
  let lo = Math.max(0, Math.floor(hi / 2));
  if (at(lo) >= limit) lo = 0;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (at(mid) >= limit) hi = mid;
    else lo = mid;
  }
  const before = at(hi - 1);
  const after = at(hi);
  const fraction = after > before ? Math.min(1, Math.max(0, (limit - before) / (after - before))) : 1;
  return start.last.services + (hi - 1 + fraction) * start.batchServices;
}

function choleskyLower(m: readonly (readonly number[])[]): number[][] {
  const n = m.length;
  const l: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = (m[i] as readonly number[])[j] as number;
      for (let k = 0; k < j; k++) s -= ((l[i] as number[])[k] as number) * ((l[j] as number[])[k] as number);
      (l[i] as number[])[j] = i === j ? Math.sqrt(Math.max(s, 0)) : ((l[j] as number[])[j] as number) > 0 ? s / ((l[j] as number[])[j] as number) : 0;
    }
  }
  return l;
}

function drawCoefficients(fit: ModelFit, segment: number, chol: readonly (readonly number[])[], random: Random): Coefficients {
  const s = Math.sqrt(1 / chiSquareOverDof(random, fit.dof));
  const z = fit.coefficients.map(() => random.normal());
  const beta = fit.coefficients.map((b, i) => b + s * (chol[i] as readonly number[]).reduce((acc, l, j) => acc + l * (z[j] as number), 0));
  const means = fit.segments.get(fit.keyOf(segment));
  if (means === undefined) return { intercept: NaN, beta };
  const memory = means.memory + s * Math.sqrt(fit.scale / means.weight) * random.normal();
  return { intercept: memory - means.regressors.reduce((acc, v, j) => acc + v * (beta[j] as number), 0), beta };
}

/**
 * One bootstrap draw of the median of `sorted`: by resampling for small samples; for large ones
 * from its order-statistic distribution (the median of a resample is the order statistic at a rank
 * ≈ Binomial(n, ½)), which is the same thing without sorting a thousand resamples of 10,000.
 */
function drawMedian(sorted: readonly number[], random: Random): number | null {
  const n = sorted.length;
  if (n < 2) return null;
  if (n <= 64) return median(sorted.map(() => sorted[Math.floor(random.uniform() * n)] as number));
  const rank = Math.round((n - 1) / 2 + (random.normal() * Math.sqrt(n)) / 2);
  return sorted[Math.min(n - 1, Math.max(0, rank))] as number;
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))] as number;

/** Projects the model; see the module comment. */
export function projectOom(fit: ModelFit, start: ProjectionStart, edgeServices: number): Projection {
  const segment = start.last.segment;
  const estimate: Coefficients = { intercept: interceptOf(fit, segment), beta: fit.coefficients };
  // The deploy that fails is the one after the first round whose memory reaches the deploy limit:
  // it starts from that memory plus its registration growth and needs factor × as much at its peak.
  const crossed = crossing(fit, estimate, start, start.peakFactor, start.registrationBytesPerService);
  const services =
    crossed === null
      ? null
      : start.last.services + (Math.max(1, Math.ceil((crossed - start.last.services) / start.batchServices - 1e-9)) + 1) * start.batchServices;
  const random = seededRandom(PREDICTION_SEED);
  const chol = choleskyLower(fit.covariance);
  // The path reaches a little past the predicted point (or the chart's edge when the limit is never reached).
  const horizon = services === null ? edgeServices : Math.max(start.last.services + start.batchServices, Math.min(edgeServices, services * 1.3));
  const pathCounts = Array.from({ length: 41 }, (_, i) => start.last.services + ((horizon - start.last.services) * i) / 40);
  const pathDraws: number[][] = pathCounts.map(() => []);
  // Per draw: the earliest and the latest the failing deploy can come.
  const outcomes: number[] = [];
  const lows: number[] = [];
  const sortedFactors = [...start.peakFactorSamples].sort((a, b) => a - b);
  const sortedGrowth = [...start.registrationSamples].sort((a, b) => a - b);
  for (let d = 0; d < PREDICTION_DRAWS; d++) {
    const c = drawCoefficients(fit, segment, chol, random);
    const factor = drawMedian(sortedFactors, random) ?? start.peakFactor;
    const batches = start.batchSamples;
    const batch = batches.length > 1 ? (batches[Math.floor(random.uniform() * batches.length)] as number) : start.batchServices;
    const growth = sortedGrowth.length > 1 ? Math.max(0, drawMedian(sortedGrowth, random) as number) : start.registrationBytesPerService;
    const crossed = crossing(fit, c, { ...start, batchServices: batch }, factor, growth);
    // The round that reaches the crossing ends within one round of it; the failing deploy is the next.
    outcomes.push(crossed === null ? Infinity : crossed + 2 * batch);
    lows.push(crossed === null ? Infinity : crossed + batch);
    pathCounts.forEach((n, i) => (pathDraws[i] as number[]).push(memoryAfter(fit, c, start, (n - start.last.services) / start.batchServices)));
  }
  outcomes.sort((a, b) => a - b);
  lows.sort((a, b) => a - b);
  const low = quantile(lows, 0.025);
  const high = quantile(outcomes, 0.975);
  const path = pathCounts.map((n, i) => {
    const sorted = (pathDraws[i] as number[]).sort((a, b) => a - b);
    return {
      services: n,
      memoryBytes: memoryAfter(fit, estimate, start, (n - start.last.services) / start.batchServices),
      lowBytes: quantile(sorted, 0.025),
      highBytes: quantile(sorted, 0.975),
    };
  });
  return {
    services,
    interval: [Number.isFinite(low) ? low : null, Number.isFinite(high) ? high : null],
    draws: PREDICTION_DRAWS,
    path,
  };
}
