/**
 * How much a memory reading can wander without anything being retained, for the concurrency test
 * (traffic steps have no replicates of their own): a prior noise level per reading (small after a forced GC,
 * a ±10 % sawtooth otherwise), widened by what the rows themselves show when they scatter more.
 */
import { tQuantile } from './distributions.js';
import { AFTER_GC_NOISE_FLOOR_BYTES, AFTER_GC_NOISE_FRACTION, ALPHA_CONCURRENCY, ALPHA_EQUIVALENCE, PRIOR_DOF, SAWTOOTH_FRACTION } from './constants.js';
import type { Round } from '../run-log/round.js';

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
  /** One-sided critical value at ALPHA_CONCURRENCY (÷ looks) for this many degrees of freedom. */
  readonly critical: number;
  /** One-sided critical value at ALPHA_EQUIVALENCE (÷ looks): the upper bound behind "traffic keeps nothing". */
  readonly equivalenceCritical: number;
}

/**
 * Pools a fit's own noise estimate (residual scale `observedScale` on `dof` degrees of freedom, in
 * units of the prior sd) with the prior (scale 1 on PRIOR_DOF), never going below the prior.
 * Few rows then lean on the prior instead of on a residual with one degree of freedom. `looks`:
 * how many times a sequential test (`--load-repeats auto`) may look; both levels are divided by it.
 */
export function pooledNoiseScale(observedScale: number, dof: number, looks = 1): NoiseScale {
  const usable = dof > 0 && Number.isFinite(observedScale);
  const pooledDof = PRIOR_DOF + (usable ? dof : 0);
  const variance = usable ? (dof * observedScale ** 2 + PRIOR_DOF) / pooledDof : 1;
  return {
    scale: Math.sqrt(Math.max(1, variance)),
    dof: pooledDof,
    critical: tQuantile(1 - ALPHA_CONCURRENCY / looks, pooledDof),
    equivalenceCritical: tQuantile(1 - ALPHA_EQUIVALENCE / looks, pooledDof),
  };
}
