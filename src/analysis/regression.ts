/**
 * Ordinary and weighted least squares with standard errors, by Householder QR (accurate on the
 * ill-conditioned designs that service counts in the thousands give; checked against NIST StRD).
 * Also gives each coefficient as an explicit weighted sum of the observations, which the rules
 * use to bound how far a ±10 % GC sawtooth could move it.
 */
import { tQuantile } from './distributions.js';

export interface LinearFit {
  /** β in y = Xβ, one per design column. */
  readonly coefficients: readonly number[];
  /** √(σ̂² · (XᵀWX)⁻¹ⱼⱼ) with σ̂² = RSS/dof; NaN when dof is 0. */
  readonly standardErrors: readonly number[];
  /** (XᵀWX)⁻¹: multiply by a noise variance to get the covariance of β. */
  readonly unscaledCovariance: readonly (readonly number[])[];
  /** Row j: the weights aᵢ with βⱼ = Σ aᵢ·yᵢ. */
  readonly estimatorWeights: readonly (readonly number[])[];
  /** yᵢ − ŷᵢ, unweighted. */
  readonly residuals: readonly number[];
  /** Σ wᵢ·residualᵢ². */
  readonly rss: number;
  /** Observations less coefficients. */
  readonly dof: number;
  /** √(RSS/dof); NaN when dof is 0. */
  readonly residualStandardError: number;
  /** 1 − RSS/TSS, TSS about the weighted mean of y. */
  readonly rSquared: number;
}

/**
 * Fits y = Xβ by least squares, minimising Σ wᵢ(yᵢ − xᵢβ)². Returns null when the design is
 * rank-deficient (e.g. every row at the same service count) or there are fewer rows than columns.
 * @param design one row of regressors per observation (include a 1 for an intercept).
 * @param weights optional, positive; 1/variance of each observation for WLS.
 */
export function fitLinear(design: readonly (readonly number[])[], y: readonly number[], weights?: readonly number[]): LinearFit | null {
  const n = y.length;
  const p = design[0]?.length ?? 0;
  if (design.length !== n || (weights !== undefined && weights.length !== n)) throw new Error('fitLinear: lengths differ');
  if (p === 0 || n < p) return null;
  const sw = Array.from({ length: n }, (_, i) => Math.sqrt(weights?.[i] ?? 1));
  // Column-major copy of √W·X, reduced in place to R (upper triangle) by Householder reflections.
  const a: number[][] = Array.from({ length: p }, (_, j) => Array.from({ length: n }, (_, i) => (design[i]?.[j] ?? NaN) * (sw[i] as number)));
  const qty = Array.from({ length: n }, (_, i) => (y[i] as number) * (sw[i] as number));
  const columnScale = a.map((col) => Math.sqrt(col.reduce((s, v) => s + v * v, 0)));
  for (let k = 0; k < p; k++) {
    const col = a[k] as number[];
    let norm = 0;
    for (let i = k; i < n; i++) norm += (col[i] as number) ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 1e-12 * ((columnScale[k] as number) || 1))) return null;
    const alpha = (col[k] as number) > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    for (let i = k; i < n; i++) v[i] = col[i] as number;
    v[k] = (v[k] as number) - alpha;
    const vnorm2 = v.reduce((s, x) => s + x * x, 0);
    const apply = (target: number[]): void => {
      if (vnorm2 === 0) return;
      let dot = 0;
      for (let i = k; i < n; i++) dot += (v[i] as number) * (target[i] as number);
      const f = (2 * dot) / vnorm2;
      for (let i = k; i < n; i++) target[i] = (target[i] as number) - f * (v[i] as number);
    };
    for (let j = k; j < p; j++) apply(a[j] as number[]);
    apply(qty);
  }
  const r = (i: number, j: number): number => (a[j] as number[])[i] as number;
  for (let k = 0; k < p; k++) if (!(Math.abs(r(k, k)) > 1e-10 * ((columnScale[k] as number) || 1))) return null;
  // Back-substitution R·β = Qᵀy.
  const beta = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = qty[i] as number;
    for (let j = i + 1; j < p; j++) s -= r(i, j) * (beta[j] as number);
    beta[i] = s / r(i, i);
  }
  // R⁻¹ (upper triangular), then (XᵀWX)⁻¹ = R⁻¹R⁻ᵀ.
  const rinv: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  for (let j = 0; j < p; j++) {
    (rinv[j] as number[])[j] = 1 / r(j, j);
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += r(i, k) * ((rinv[k] as number[])[j] as number);
      (rinv[i] as number[])[j] = -s / r(i, i);
    }
  }
  const cov: number[][] = Array.from({ length: p }, (_, i) =>
    Array.from({ length: p }, (_, j) => {
      let s = 0;
      for (let k = Math.max(i, j); k < p; k++) s += ((rinv[i] as number[])[k] as number) * ((rinv[j] as number[])[k] as number);
      return s;
    }),
  );
  const residuals = Array.from({ length: n }, (_, i) => (y[i] as number) - (design[i] as number[]).reduce((s, x, j) => s + x * (beta[j] as number), 0));
  const rss = residuals.reduce((s, e, i) => s + (weights?.[i] ?? 1) * e * e, 0);
  const dof = n - p;
  const sigma2 = dof > 0 ? rss / dof : NaN;
  const wsum = Array.from({ length: n }, (_, i) => weights?.[i] ?? 1).reduce((s, w) => s + w, 0);
  const ybar = y.reduce((s, v, i) => s + (weights?.[i] ?? 1) * v, 0) / wsum;
  const tss = y.reduce((s, v, i) => s + (weights?.[i] ?? 1) * (v - ybar) ** 2, 0);
  const estimatorWeights = cov.map((row) =>
    Array.from({ length: n }, (_, i) => row.reduce((s, c, j) => s + c * ((design[i] as number[])[j] as number), 0) * (weights?.[i] ?? 1)),
  );
  return {
    coefficients: beta,
    standardErrors: cov.map((row, j) => Math.sqrt(sigma2 * (row[j] as number))),
    unscaledCovariance: cov,
    estimatorWeights,
    residuals,
    rss,
    dof,
    residualStandardError: Math.sqrt(sigma2),
    rSquared: tss > 0 ? 1 - rss / tss : NaN,
  };
}

/** Two-sided confidence interval estimate ± t₁₋α/₂(dof)·se; dof = Infinity uses the normal. */
export function confidenceInterval(estimate: number, standardError: number, dof: number, confidence = 0.95): [number, number] {
  if (!(dof > 0) || !Number.isFinite(standardError)) return [NaN, NaN];
  const t = tQuantile(1 - (1 - confidence) / 2, dof);
  return [estimate - t * standardError, estimate + t * standardError];
}
