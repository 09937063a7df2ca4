/**
 * The measurement points the curve model reads: one per deploy row (fresh start, round, redeploy,
 * restart), with its replicate readings, its segment (a restart starts a new one), and the
 * regressors the candidate models use. Also the run's pure measurement error, from the scatter of
 * replicate readings around their point's mean.
 */
import { AFTER_GC_NOISE_FRACTION, SAWTOOTH_FRACTION } from '../constants.js';
import type { DeployRow, Series } from '../series.js';

export interface Point {
  readonly index: number;
  readonly segment: number;
  readonly event: DeployRow['row']['event'];
  /** Mean of the point's readings, bytes. */
  readonly memoryBytes: number;
  readonly readings: readonly number[];
  readonly services: number;
  /** Deploys since the segment started (0 for a fresh start and a restart row). */
  readonly deploys: number;
  /** Services of the configurations replaced since the segment started. */
  readonly supersededServices: number;
  readonly afterGc: boolean;
}

/** Pure error: the relative variance of one reading within its point, and its degrees of freedom. */
export interface PureError {
  /** Variance of (reading ÷ point mean), pooled over every point with ≥ 2 readings; the prior when none has. */
  readonly relativeVariance: number;
  /** Σ(Kᵢ − 1); Infinity when the prior stands in (taken as known). */
  readonly dof: number;
  readonly source: 'replicates' | 'prior';
}

export function pointsOf(series: Series): Point[] {
  return series.deployRows.map((d) => {
    const readings = d.row.readingsBytes !== undefined && d.row.readingsBytes.length > 0 ? d.row.readingsBytes : [d.row.memoryBytes];
    return {
      index: d.row.index,
      segment: d.segment,
      event: d.row.event,
      memoryBytes: d.row.memoryBytes,
      readings,
      services: d.row.services,
      deploys: d.deploysInSegment,
      supersededServices: d.supersededServices,
      afterGc: d.row.afterGc,
    };
  });
}

/** Relative variance of one reading that the prior assumes: after GC 0.5 % sd; otherwise a uniform sawtooth of 10 %. */
export function priorRelativeVariance(afterGc: boolean): number {
  return afterGc ? AFTER_GC_NOISE_FRACTION ** 2 : SAWTOOTH_FRACTION ** 2 / 12;
}

export function pureErrorOf(points: readonly Point[]): PureError {
  let ss = 0;
  let dof = 0;
  for (const p of points) {
    if (p.readings.length < 2 || !(p.memoryBytes > 0)) continue;
    const mean = p.readings.reduce((s, x) => s + x, 0) / p.readings.length;
    for (const x of p.readings) ss += ((x - mean) / mean) ** 2;
    dof += p.readings.length - 1;
  }
  if (dof === 0) {
    const allAfterGc = points.every((p) => p.afterGc);
    return { relativeVariance: priorRelativeVariance(allAfterGc), dof: Infinity, source: 'prior' };
  }
  return { relativeVariance: ss / dof, dof, source: 'replicates' };
}
