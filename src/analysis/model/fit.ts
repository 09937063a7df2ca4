/**
 * Fits one candidate model of the memory curve to every deploy point at once, by weighted least
 * squares, with a separate intercept per segment (the fresh start and each restart begin one) or
 * one shared by all.
 * The intercepts are absorbed by demeaning within segments (Frisch–Waugh–Lovell), so a run with
 * many restarts costs no more than one with none. Weights are 1 / the variance a point's mean is
 * expected to have (relative noise: memory² × (between-deploy allowance² + pure error ÷ readings)),
 * so the fitted scale φ̂ = RSS_w / dof is 1 when the curve fits within pure error plus allowance.
 */
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
/** Regressor columns already computed for a set of points, by term name and fixed parameter. */
export type ColumnCache = Map<string, Float64Array>;

function columnOf(points: readonly Point[], term: Term, cache: ColumnCache | undefined): Float64Array {
  const key = `${term.name}:${term.fixed ?? ''}`;
  const cached = cache?.get(key);
  if (cached !== undefined) return cached;
  const column = Float64Array.from(points, (pt) => term.value(pt));
  cache?.set(key, column);
  return column;
}

export function fitModel(points: readonly Point[], weights: readonly number[], terms: readonly Term[], shifts = true, cache?: ColumnCache): ModelFit | null {
  // Without restart shifts, every segment shares one intercept: a restart may only change memory through the terms.
  const keyOf = (segment: number): number => (shifts ? segment : 0);
  const n = points.length;
  const p = terms.length;
  if (p === 0) return null;
  // Column-major regressors, computed once per point set (a 10,000-row run is fitted some sixty times).
  const x = terms.map((t) => columnOf(points, t, cache));
  const keys = Int32Array.from(points, (pt) => keyOf(pt.segment));
  const sums = new Map<number, { w: number; y: number; x: number[] }>();
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    const key = keys[i] as number;
    let s = sums.get(key);
    if (s === undefined) sums.set(key, (s = { w: 0, y: 0, x: new Array<number>(p).fill(0) }));
    s.w += w;
    s.y += w * (points[i] as Point).memoryBytes;
    for (let j = 0; j < p; j++) s.x[j] = (s.x[j] as number) + w * ((x[j] as Float64Array)[i] as number);
  }
  const segments = new Map<number, SegmentMeans>();
  for (const [g, s] of sums) segments.set(g, { weight: s.w, memory: s.y / s.w, regressors: s.x.map((v) => v / s.w) });
  const dof = n - p - segments.size;
  if (dof < 1) return null;
  const solved = weightedLeastSquares(points, weights, x, keys, segments);
  if (solved === null) return null;
  const { beta, unscaled, rss, fitted } = solved;
  const scale = rss / dof;
  const parameters = p + segments.size + terms.filter((t) => t.fixed !== null).length + 1;
  // Gaussian log-likelihood with variances known up to one scale (Σ log vᵢ is common to every candidate and left out).
  const logLik = -0.5 * n * (Math.log((2 * Math.PI * rss) / n) + 1);
  // AICc where n > k + 1; with fewer points plain AIC (its correction is undefined there), so models of one size still rank by fit.
  const aicc = -2 * logLik + 2 * parameters + (n - parameters - 1 > 0 ? (2 * parameters * (parameters + 1)) / (n - parameters - 1) : 0);
  return {
    terms,
    shifts,
    keyOf,
    coefficients: beta,
    covariance: unscaled.map((row) => row.map((c) => c * scale)),
    unscaledCovariance: unscaled,
    segments,
    rssWeighted: rss,
    dof,
    scale,
    n,
    parameters,
    aicc,
    fitted,
  };
}

/**
 * Weighted least squares on the within-segment demeaned regressors, by Householder QR on unit-norm
 * columns (service counts squared reach 10¹⁰: the normal equations would lose the small terms).
 * Null when a column is (numerically) a combination of the others.
 */
function weightedLeastSquares(
  points: readonly Point[],
  weights: readonly number[],
  x: readonly Float64Array[],
  keys: Int32Array,
  segments: ReadonlyMap<number, SegmentMeans>,
): { beta: number[]; unscaled: number[][]; rss: number; fitted: number[] } | null {
  const n = points.length;
  const p = x.length;
  const sw = Float64Array.from(weights, (w) => Math.sqrt(w));
  const meansOf: SegmentMeans[] = Array.from(keys, (k) => segments.get(k) as SegmentMeans);
  const a = x.map((col, j) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = ((col[i] as number) - ((meansOf[i] as SegmentMeans).regressors[j] as number)) * (sw[i] as number);
    return out;
  });
  const qty = new Float64Array(n);
  for (let i = 0; i < n; i++) qty[i] = ((points[i] as Point).memoryBytes - (meansOf[i] as SegmentMeans).memory) * (sw[i] as number);
  const norms = a.map((col) => Math.sqrt(col.reduce((s, v) => s + v * v, 0)));
  if (norms.some((c) => !(c > 0))) return null;
  a.forEach((col, j) => {
    const c = norms[j] as number;
    for (let i = 0; i < n; i++) col[i] = (col[i] as number) / c;
  });
  const v = new Float64Array(n);
  for (let k = 0; k < p; k++) {
    const col = a[k] as Float64Array;
    let norm = 0;
    for (let i = k; i < n; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-10)) return null;
    const alpha = (col[k] as number) > 0 ? -norm : norm;
    let vnorm2 = 0;
    for (let i = k; i < n; i++) {
      v[i] = (col[i] as number) - (i === k ? alpha : 0);
      vnorm2 += (v[i] as number) ** 2;
    }
    const reflect = (target: Float64Array): void => {
      if (vnorm2 === 0) return;
      let dot = 0;
      for (let i = k; i < n; i++) dot += (v[i] as number) * (target[i] as number);
      const f = (2 * dot) / vnorm2;
      for (let i = k; i < n; i++) target[i] = (target[i] as number) - f * (v[i] as number);
    };
    for (let j = k; j < p; j++) reflect(a[j] as Float64Array);
    reflect(qty);
  }
  const r = (i: number, j: number): number => (a[j] as Float64Array)[i] as number;
  for (let k = 0; k < p; k++) if (!(Math.abs(r(k, k)) > 1e-10)) return null;
  const scaledBeta = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = qty[i] as number;
    for (let j = i + 1; j < p; j++) s -= r(i, j) * (scaledBeta[j] as number);
    scaledBeta[i] = s / r(i, i);
  }
  let rss = 0;
  for (let i = p; i < n; i++) rss += (qty[i] as number) ** 2;
  const rinv: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    (rinv[j] as number[])[j] = 1 / r(j, j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r(i, k) * ((rinv[k] as number[])[j] as number);
      (rinv[i] as number[])[j] = -s / r(i, i);
    }
  }
  const unscaled = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => {
      let s = 0;
      for (let k = Math.max(i, j); k < p; k++) s += ((rinv[i] as number[])[k] as number) * ((rinv[j] as number[])[k] as number);
      return s / ((norms[i] as number) * (norms[j] as number));
    }),
  );
  const beta = scaledBeta.map((b, j) => b / (norms[j] as number));
  const fitted = points.map((_, i) => {
    const m = meansOf[i] as SegmentMeans;
    let y = m.memory;
    for (let j = 0; j < p; j++) y += (((x[j] as Float64Array)[i] as number) - (m.regressors[j] as number)) * (beta[j] as number);
    return y;
  });
  return { beta, unscaled, rss, fitted };
}

/** Index of a term in a fit, or −1. */
export const termIndex = (fit: ModelFit, name: TermName): number => fit.terms.findIndex((t) => t.name === name);

/** Variance of the linear combination cᵀβ. */
export function combinationVariance(fit: ModelFit, c: readonly number[]): number {
  let v = 0;
  for (let i = 0; i < c.length; i++)
    for (let j = 0; j < c.length; j++) v += (c[i] as number) * (c[j] as number) * ((fit.covariance[i] as readonly number[])[j] as number);
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
