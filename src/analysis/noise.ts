/**
 * How much a memory reading can wander without anything being retained. Every test in the rule
 * chain compares an effect against this: a prior noise level per reading (small after a forced GC,
 * a ±10 % sawtooth otherwise), widened by what the rows themselves show when they scatter more.
 */
import { tQuantile } from './distributions.js';
import type { Round } from './round.js';

/** Standard deviation of an after-GC reading, as a fraction of it (heap after GC barely moves). */
export const AFTER_GC_NOISE_FRACTION = 0.005;
/** Smallest standard deviation assumed for an after-GC reading, for tiny heaps. */
export const AFTER_GC_NOISE_FLOOR_BYTES = 64 * 1024;
/** A reading not taken after GC may sit anywhere within ±10 % of the live set (the GC sawtooth). */
export const SAWTOOTH_FRACTION = 0.1;
/** Weight of the prior noise level, in residual degrees of freedom, when pooled with a fit's own. */
export const PRIOR_DOF = 4;
/** One-sided significance level of every "is it beyond noise" test. */
export const ALPHA = 0.001;
/** A drop or rise smaller than this fraction of memory is not worth a leak verdict, however certain. */
export const MIN_EFFECT_FRACTION = 0.05;
/** Curvature (retention read off the shape alone) must reach this fraction of memory: shapes bend by chance more easily than restarts drop. */
export const MIN_SHAPE_EFFECT_FRACTION = 0.1;

/** Prior standard deviation of one reading, in bytes. */
export function priorNoiseSdBytes(row: Pick<Round, 'memoryBytes' | 'afterGc'>): number {
  if (row.afterGc) return Math.max(AFTER_GC_NOISE_FRACTION * row.memoryBytes, AFTER_GC_NOISE_FLOOR_BYTES);
  // A uniform ±10 % sawtooth has standard deviation 10 %/√3.
  return Math.max((SAWTOOTH_FRACTION / Math.sqrt(3)) * row.memoryBytes, AFTER_GC_NOISE_FLOOR_BYTES);
}

/** How far a reading not taken after GC can sit from the live set at worst; 0 after GC. */
export function sawtoothAmplitudeBytes(row: Pick<Round, 'memoryBytes' | 'afterGc'>): number {
  return row.afterGc ? 0 : SAWTOOTH_FRACTION * row.memoryBytes;
}

/** A noise scale factor φ (actual sd = φ × prior sd) with the degrees of freedom behind it. */
export interface NoiseScale {
  /** ≥ 1: the rows never make the noise smaller than the prior. */
  readonly scale: number;
  readonly dof: number;
  /** One-sided critical value at ALPHA for this many degrees of freedom. */
  readonly critical: number;
}

/**
 * Pools a fit's own noise estimate (residual scale `observedScale` on `dof` degrees of freedom, in
 * units of the prior sd) with the prior (scale 1 on PRIOR_DOF), never going below the prior.
 * Few rows then lean on the prior instead of on a residual with one degree of freedom.
 */
export function pooledNoiseScale(observedScale: number, dof: number): NoiseScale {
  const usable = dof > 0 && Number.isFinite(observedScale);
  const pooledDof = PRIOR_DOF + (usable ? dof : 0);
  const variance = usable ? (dof * observedScale ** 2 + PRIOR_DOF) / pooledDof : 1;
  return { scale: Math.sqrt(Math.max(1, variance)), dof: pooledDof, critical: tQuantile(1 - ALPHA, pooledDof) };
}
