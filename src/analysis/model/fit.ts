/**
 * Fits one candidate model of the memory curve to every deploy point at once, by weighted least
 * squares, with a separate intercept per segment (the fresh start and each restart begin one) or
 * one shared by all.
 * The intercepts are absorbed by demeaning within segments (Frisch–Waugh–Lovell), so a run with
 * many restarts costs no more than one with none. Weights are 1 / the variance a point's mean is
 * expected to have (relative noise: memory² × (between-deploy allowance² + pure error ÷ readings)),
 * so the fitted scale φ̂ = RSS_w / dof is 1 when the curve fits within pure error plus allowance.
 */
import { fitLinear } from '../regression.js';
import type { Point } from './points.js';

/** A model term besides the per-segment intercepts. */
export type TermName = 'services' | 'services²' | 'deploys' | 'superseded' | 'saturation' | 'step';

export interface Term {
  readonly name: TermName;
  /** The regressor's value at a point. */
  readonly value: (p: Point) => number;
  /** A parameter fixed by profiling (ρ of saturation, the deploy a step happens at); null otherwise. */
  readonly fixed: number | null;
}

export interface ModelFit {
  readonly terms: readonly Term[];
  /** True when each segment has its own intercept (restart shifts); false for one shared intercept. */
  readonly shifts: boolean;
  /** The key of a segment in `segments` (0 for every segment without shifts). */
  readonly keyOf: (segment: number) => number;
  /** One per term. */
  readonly coefficients: readonly number[];
  /** φ̂ × (XᵀWX)⁻¹: the covariance of the coefficients. */
  readonly covariance: readonly (readonly number[])[];
  /** (XᵀWX)⁻¹ alone (φ̂ = 1). */
  readonly unscaledCovariance: readonly (readonly number[])[];
  /** Per segment key: Σw, the weighted mean of memory and of each regressor (for intercepts and shifts). */
  readonly segments: ReadonlyMap<number, SegmentMeans>;
  /** Σ wᵢ rᵢ². */
  readonly rssWeighted: number;
  /** Points − terms − segments. */
  readonly dof: number;
  /** RSS_w / dof: residual variance in units of the expected variance; NaN when dof is 0. */
  readonly scale: number;
  /** Points used. */
  readonly n: number;
  /** Parameters counted by AICc: terms + segment intercepts + profiled parameters + the noise variance. */
  readonly parameters: number;
  readonly aicc: number;
  /** Fitted mean memory at each point, bytes (same order as the points fitted). */
  readonly fitted: readonly number[];
}

export interface SegmentMeans {
  readonly weight: number;
  readonly memory: number;
  readonly regressors: readonly number[];
}

/**
 * Fits memory = a_segment + Σ βⱼ·termⱼ. Null when the terms cannot be separated on these points
 * (rank-deficient after demeaning) or no degree of freedom is left for the noise.
 */
export function fitModel(points: readonly Point[], weights: readonly number[], terms: readonly Term[], shifts = true): ModelFit | null {
  // Without restart shifts, every segment shares one intercept: a restart may only change memory through the terms.
  const keyOf = (segment: number): number => (shifts ? segment : 0);
  const n = points.length;
  const p = terms.length;
  const x = points.map((pt) => terms.map((t) => t.value(pt)));
  const sums = new Map<number, { w: number; y: number; x: number[] }>();
  points.forEach((pt, i) => {
    const w = weights[i] as number;
    const s = sums.get(keyOf(pt.segment)) ?? { w: 0, y: 0, x: new Array<number>(p).fill(0) };
    s.w += w;
    s.y += w * pt.memoryBytes;
    (x[i] as number[]).forEach((v, j) => (s.x[j] = (s.x[j] as number) + w * v));
    sums.set(keyOf(pt.segment), s);
  });
  const segments = new Map<number, SegmentMeans>();
  for (const [g, s] of sums) segments.set(g, { weight: s.w, memory: s.y / s.w, regressors: s.x.map((v) => v / s.w) });
  const dof = n - p - segments.size;
  if (dof < 1 || p === 0) return null;
  const demeanedX = points.map((pt, i) => {
    const m = segments.get(keyOf(pt.segment)) as SegmentMeans;
    return (x[i] as number[]).map((v, j) => v - (m.regressors[j] as number));
  });
  const demeanedY = points.map((pt) => pt.memoryBytes - (segments.get(keyOf(pt.segment)) as SegmentMeans).memory);
  const fit = fitLinear(demeanedX, demeanedY, weights);
  if (fit === null) return null;
  const scale = fit.rss / dof;
  const parameters = p + segments.size + terms.filter((t) => t.fixed !== null).length + 1;
  // Gaussian log-likelihood with variances known up to one scale (Σ log vᵢ is common to every candidate and left out).
  const logLik = -0.5 * n * (Math.log((2 * Math.PI * fit.rss) / n) + 1);
  // AICc where n > k + 1; with fewer points plain AIC (its correction is undefined there), so models of one size still rank by fit.
  const aicc = -2 * logLik + 2 * parameters + (n - parameters - 1 > 0 ? (2 * parameters * (parameters + 1)) / (n - parameters - 1) : 0);
  const fitted = points.map((pt, i) => pt.memoryBytes - (fit.residuals[i] as number));
  return {
    terms,
    shifts,
    keyOf,
    coefficients: fit.coefficients,
    covariance: fit.unscaledCovariance.map((row) => row.map((c) => c * scale)),
    unscaledCovariance: fit.unscaledCovariance,
    segments,
    rssWeighted: fit.rss,
    dof,
    scale,
    n,
    parameters,
    aicc,
    fitted,
  };
}

/** Index of a term in a fit, or −1. */
export const termIndex = (fit: ModelFit, name: TermName): number => fit.terms.findIndex((t) => t.name === name);

/** Variance of the linear combination cᵀβ. */
export function combinationVariance(fit: ModelFit, c: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < c.length; i++) for (let j = 0; j < c.length; j++) v += (c[i] as number) * (c[j] as number) * ((fit.covariance[i] as readonly number[])[j] as number);
  return v;
}

/** Intercept of a segment: ȳ_g − x̄_gᵀβ. */
export function interceptOf(fit: ModelFit, segment: number): number {
  const m = fit.segments.get(fit.keyOf(segment));
  if (m === undefined) return NaN;
  return m.memory - m.regressors.reduce((s, v, j) => s + v * (fit.coefficients[j] as number), 0);
}

/** Memory the model gives at a point of a segment it was fitted on. */
export function predictAt(fit: ModelFit, segment: number, point: Point): number {
  return interceptOf(fit, segment) + fit.terms.reduce((s, t, j) => s + t.value(point) * (fit.coefficients[j] as number), 0);
}
