/**
 * The growth model of a deploy series: memory = base + perService·services + retained·superseded,
 * where `superseded` counts the services of the configurations replaced since the gateway last
 * started. A gateway that releases old configurations has retained ≈ 0; one that keeps them
 * (the Oracle Enterprise Gateway field case) grows faster than linear in services and drops back to
 * base + perService·services at a restart. Fitted by weighted least squares (weights 1/prior variance).
 */
import { fitLinear, type LinearFit } from './regression.js';
import { pooledNoiseScale, priorNoiseSdBytes, sawtoothAmplitudeBytes, type NoiseScale } from './noise.js';
import type { DeployRow } from './series.js';
import type { Round } from './round.js';

/** Whether a coefficient is above zero beyond both random noise and a worst-case GC sawtooth. */
export interface CoefficientTest {
  readonly estimate: number;
  /** Standard deviation of the estimate: noise scale × √(XᵀWX)⁻¹ⱼⱼ × … */
  readonly sd: number;
  /** estimate / sd. */
  readonly t: number;
  readonly critical: number;
  /** How far a ±10 % sawtooth on the non-after-GC rows could push the estimate at worst. */
  readonly sawtoothBound: number;
  readonly significant: boolean;
}

export interface RetentionModel {
  readonly fit: LinearFit;
  readonly rows: readonly DeployRow[];
  readonly noise: NoiseScale;
  /** False when the rows cannot separate retention from the live cost (then only base + perService·services). */
  readonly hasRetentionTerm: boolean;
  readonly baseBytes: number;
  readonly perServiceBytes: number;
  /** Bytes kept per service of each superseded configuration (0 without a retention term). */
  readonly retainedPerSupersededServiceBytes: number;
  readonly perServiceTest: CoefficientTest;
  readonly retentionTest: CoefficientTest | null;
}

/**
 * Tests βⱼ > 0 in a WLS fit weighted by 1/prior variance, so that noise scale × √(XᵀWX)⁻¹ⱼⱼ is its sd.
 * @param readings the fitted rows, in fit order (for the sawtooth bound).
 */
export function testPositive(fit: LinearFit, j: number, readings: readonly Pick<Round, 'memoryBytes' | 'afterGc'>[], noise: NoiseScale): CoefficientTest {
  const estimate = fit.coefficients[j] as number;
  const sd = noise.scale * Math.sqrt((fit.unscaledCovariance[j] as readonly number[])[j] as number);
  const weights = fit.estimatorWeights[j] as readonly number[];
  const sawtoothBound = readings.reduce((s, r, i) => s + Math.abs(weights[i] as number) * sawtoothAmplitudeBytes(r), 0);
  const t = sd > 0 ? estimate / sd : estimate > 0 ? Infinity : 0;
  return { estimate, sd, t, critical: noise.critical, sawtoothBound, significant: t > noise.critical && estimate > sawtoothBound };
}

function fitWith(rows: readonly DeployRow[], withRetention: boolean): { fit: LinearFit; noise: NoiseScale } | null {
  const design = rows.map((d) => (withRetention ? [1, d.row.services, d.supersededServices] : [1, d.row.services]));
  const weights = rows.map((d) => 1 / priorNoiseSdBytes(d.row) ** 2);
  const fit = fitLinear(design, rows.map((d) => d.row.memoryBytes), weights);
  if (fit === null) return null;
  return { fit, noise: pooledNoiseScale(fit.residualStandardError, fit.dof) };
}

/** Fits the model to deploy rows; null when fewer than two distinct service counts. */
export function fitRetentionModel(rows: readonly DeployRow[]): RetentionModel | null {
  const withRetention = rows.some((d) => d.supersededServices > 0) ? fitWith(rows, true) : null;
  const chosen = withRetention ?? fitWith(rows, false);
  if (chosen === null) return null;
  const { fit, noise } = chosen;
  const hasRetentionTerm = withRetention !== null;
  return {
    fit,
    rows,
    noise,
    hasRetentionTerm,
    baseBytes: fit.coefficients[0] as number,
    perServiceBytes: fit.coefficients[1] as number,
    retainedPerSupersededServiceBytes: hasRetentionTerm ? (fit.coefficients[2] as number) : 0,
    perServiceTest: testPositive(fit, 1, rows.map((d) => d.row), noise),
    retentionTest: hasRetentionTerm ? testPositive(fit, 2, rows.map((d) => d.row), noise) : null,
  };
}

/** Fits memory = base + perService·services (no retention term), e.g. to the clean rows only. */
export function fitLiveLine(rows: readonly DeployRow[]): { fit: LinearFit; noise: NoiseScale; test: CoefficientTest } | null {
  const chosen = fitWith(rows, false);
  if (chosen === null) return null;
  return { ...chosen, test: testPositive(chosen.fit, 1, rows.map((d) => d.row), chosen.noise) };
}
