/**
 * Rule 4, concurrency: idle memory after traffic steps. Memory that rises only when a step reaches
 * a concurrency above every earlier one, and stays flat when a lower or equal concurrency repeats,
 * is a pool sized to the highest concurrency ever reached (the WebSphere field case):
 * concurrency-retention, reported per unit of concurrency. Memory that rises on repeats too is a
 * leak; back to baseline is healthy. Idle memory is fitted as
 * baseline + perUnit·(highest concurrency so far) + leak·(concurrency summed over all steps so far):
 * a pool moves the first term only, traffic that leaks moves the second.
 */
import { formatBytes } from '../../units.js';
import { CONCURRENCY_MIN_EFFECT_FRACTION, LOAD_MIN_EFFECT_FRACTION } from '../constants.js';
import { pooledNoiseScale, priorNoiseSdBytes, sawtoothAmplitudeBytes, type NoiseScale } from '../noise.js';
import { roundNumbers } from '../numbers.js';
import { tQuantile } from '../distributions.js';
import { fitLinear, type LinearFit } from '../regression.js';
import type { Round } from '../../run-log/round.js';
import type { RuleContext } from './context.js';
import type { RuleResult } from './rule.js';

/** Whether a coefficient is above zero beyond both random noise and a worst-case GC sawtooth. */
export interface CoefficientTest {
  readonly estimate: number;
  /** Standard deviation of the estimate: noise scale × √(XᵀWX)⁻¹ⱼⱼ. */
  readonly sd: number;
  /** estimate / sd. */
  readonly t: number;
  readonly critical: number;
  /** How far a ±10 % sawtooth on the non-after-GC rows could push the estimate at worst. */
  readonly sawtoothBound: number;
  readonly significant: boolean;
}

/** Tests βⱼ > 0 in a WLS fit weighted by 1/prior variance, so that noise scale × √(XᵀWX)⁻¹ⱼⱼ is its sd. */
function testPositive(fit: LinearFit, j: number, readings: readonly Pick<Round, 'memoryBytes' | 'afterGc'>[], noise: NoiseScale): CoefficientTest {
  const estimate = fit.coefficients[j] as number;
  const sd = noise.scale * Math.sqrt((fit.unscaledCovariance[j] as readonly number[])[j] as number);
  const weights = fit.estimatorWeights[j] as readonly number[];
  const sawtoothBound = readings.reduce((s, r, i) => s + Math.abs(weights[i] as number) * sawtoothAmplitudeBytes(r), 0);
  const t = sd > 0 ? estimate / sd : estimate > 0 ? Infinity : 0;
  return { estimate, sd, t, critical: noise.critical, sawtoothBound, significant: t > noise.critical && estimate > sawtoothBound };
}

export interface ConcurrencyPoint {
  readonly row: Round;
  /** Highest concurrency reached so far (0 for the baseline). */
  readonly runningMax: number;
  /** Concurrency summed over the steps so far. */
  readonly cumulative: number;
  /** False for a step that repeats a concurrency already reached, or a lower one. */
  readonly newMax: boolean;
}

export interface ConcurrencyFinding {
  readonly points: readonly ConcurrencyPoint[];
  readonly baseline: Round | null;
  readonly repeats: number;
  /** Bytes per unit of the highest concurrency reached. */
  readonly pool: CoefficientTest | null;
  /** Bytes per unit of concurrency summed over steps (traffic that leaks). */
  readonly traffic: CoefficientTest | null;
  readonly poolCi95: readonly [number, number] | null;
  /** Last idle reading minus the baseline, and the smallest difference that counts. */
  readonly aboveBaselineBytes: number | null;
  readonly aboveBaselineThresholdBytes: number;
  readonly maxConcurrency: number;
  readonly cumulativeConcurrency: number;
}

/** Reads the load rows; null with fewer than two. */
export function concurrencySteps(ctx: RuleContext, rounds: readonly Round[]): ConcurrencyFinding | null {
  const loads = ctx.series.loadRows.filter((r) => r.concurrency !== null);
  if (loads.length < 2) return null;
  const firstLoad = loads[0] as Round;
  // The deploy-side reading just before the first traffic step is the baseline.
  const baseline = [...rounds].reverse().find((r) => r.index < firstLoad.index && r.event !== 'load' && r.event !== 'crash') ?? null;
  const points: ConcurrencyPoint[] = baseline ? [{ row: baseline, runningMax: 0, cumulative: 0, newMax: false }] : [];
  let runningMax = 0;
  let cumulative = 0;
  let repeats = 0;
  for (const row of loads) {
    const c = row.concurrency ?? 0;
    const newMax = c > runningMax;
    if (!newMax) repeats++;
    runningMax = Math.max(runningMax, c);
    cumulative += c;
    points.push({ row, runningMax, cumulative, newMax });
  }
  const readings = points.map((p) => p.row);
  const weights = readings.map((r) => 1 / priorNoiseSdBytes(r) ** 2);
  const y = readings.map((r) => r.memoryBytes);
  const both =
    points.length >= 4
      ? fitLinear(
          points.map((p) => [1, p.runningMax, p.cumulative]),
          y,
          weights,
        )
      : null;
  const poolOnly = fitLinear(
    points.map((p) => [1, p.runningMax]),
    y,
    weights,
  );
  const noiseOf = (dof: number, rse: number): ReturnType<typeof pooledNoiseScale> => {
    const own = pooledNoiseScale(rse, dof);
    return { ...own, scale: Math.max(own.scale, ctx.noise.scale) };
  };
  const traffic = both !== null ? testPositive(both, 2, readings, noiseOf(both.dof, both.residualStandardError)) : null;
  const poolFit = traffic !== null && traffic.significant && both !== null ? both : poolOnly;
  const poolNoise = poolFit !== null ? noiseOf(poolFit.dof, poolFit.residualStandardError) : null;
  const pool = poolFit !== null && poolNoise !== null ? testPositive(poolFit, 1, readings, poolNoise) : null;
  const poolCi95: [number, number] | null =
    pool !== null && poolNoise !== null
      ? [pool.estimate - tQuantile(0.975, poolNoise.dof) * pool.sd, pool.estimate + tQuantile(0.975, poolNoise.dof) * pool.sd]
      : null;
  const last = loads[loads.length - 1] as Round;
  const memory = Math.max(...loads.map((r) => r.memoryBytes));
  const aboveBaselineThresholdBytes = baseline
    ? Math.max(
        ctx.noise.critical * ctx.noise.scale * Math.hypot(priorNoiseSdBytes(baseline), priorNoiseSdBytes(last)),
        sawtoothAmplitudeBytes(baseline) + sawtoothAmplitudeBytes(last),
        LOAD_MIN_EFFECT_FRACTION * memory,
      )
    : 0;
  return {
    points,
    baseline,
    repeats,
    pool,
    traffic,
    poolCi95,
    aboveBaselineBytes: baseline ? last.memoryBytes - baseline.memoryBytes : null,
    aboveBaselineThresholdBytes,
    maxConcurrency: runningMax,
    cumulativeConcurrency: cumulative,
  };
}

export function concurrencyRule(ctx: RuleContext, rounds: readonly Round[]): RuleResult {
  const f = concurrencySteps(ctx, rounds);
  if (f === null) {
    return {
      rule: 'concurrency',
      answer: 'no-say',
      reason: `${ctx.series.loadRows.length} traffic (load) rows: at least two are needed to see memory follow concurrency.`,
      numbers: roundNumbers({ loadRows: ctx.series.loadRows.length }),
      needs: ctx.series.loadRows.length === 0 ? null : 'add traffic steps: a higher concurrency, then a lower one repeated',
      rows: ctx.series.loadRows.map((r) => r.index),
      sawRetention: false,
    };
  }
  const memory = Math.max(...f.points.map((p) => p.row.memoryBytes));
  const numbers = roundNumbers({
    steps: f.points.length - (f.baseline ? 1 : 0),
    repeats: f.repeats,
    maxConcurrency: f.maxConcurrency,
    bytesPerConcurrency: f.pool?.estimate ?? null,
    bytesPerConcurrencyLow: f.poolCi95?.[0] ?? null,
    bytesPerConcurrencyHigh: f.poolCi95?.[1] ?? null,
    poolT: f.pool?.t ?? null,
    leakBytesPerConcurrencyStep: f.traffic?.estimate ?? null,
    leakT: f.traffic?.t ?? null,
    critical: f.traffic?.critical ?? f.pool?.critical ?? null,
    aboveBaselineBytes: f.aboveBaselineBytes,
    aboveBaselineThresholdBytes: f.aboveBaselineThresholdBytes,
  });
  const rows = f.points.map((p) => p.row.index);
  const base = { rule: 'concurrency' as const, numbers, rows };
  const poolText = f.pool ? `${formatBytes(f.pool.estimate)} per unit of the highest concurrency reached (t = ${numbers.poolT})` : 'no pool term';
  const trafficText = f.traffic
    ? `${formatBytes(f.traffic.estimate)} per unit of concurrency of every step (t = ${numbers.leakT})`
    : 'too few steps for a traffic term';
  const leaked = f.traffic !== null && f.traffic.significant && f.traffic.estimate * f.cumulativeConcurrency >= LOAD_MIN_EFFECT_FRACTION * memory;
  if (leaked && f.repeats > 0) {
    return {
      ...base,
      answer: 'leak',
      reason: `Memory rises with every traffic step, repeats included: ${trafficText}; ${poolText}.`,
      needs: null,
      sawRetention: false,
    };
  }
  const pooled = f.pool !== null && f.pool.significant && f.pool.estimate * f.maxConcurrency >= CONCURRENCY_MIN_EFFECT_FRACTION * memory;
  if (pooled || leaked) {
    if (f.repeats === 0) {
      return {
        ...base,
        answer: 'no-say',
        reason: `Memory rose with concurrency (${poolText}), but no step repeated a lower concurrency to tell a pool from a leak.`,
        needs: 'add a traffic step that repeats a lower concurrency',
        sawRetention: true,
      };
    }
    return {
      ...base,
      answer: 'concurrency-retention',
      reason: `Memory follows the highest concurrency ever reached and stays flat when a concurrency repeats: ${poolText}; ${trafficText}; ${formatBytes((f.pool?.estimate ?? 0) * f.maxConcurrency)} at concurrency ${f.maxConcurrency}.`,
      needs: null,
      sawRetention: false,
    };
  }
  if (f.aboveBaselineBytes === null) {
    return {
      ...base,
      answer: 'no-say',
      reason: `No reading before the first traffic step to compare with: ${poolText}.`,
      needs: 'measure idle memory before the first traffic step',
      sawRetention: false,
    };
  }
  const stayed = `${formatBytes(f.aboveBaselineBytes)} above the baseline (noise ${formatBytes(f.aboveBaselineThresholdBytes)})`;
  if (f.aboveBaselineBytes > f.aboveBaselineThresholdBytes) {
    return {
      ...base,
      answer: 'no-say',
      reason: `Idle memory after traffic stayed ${stayed}, but neither the highest concurrency nor the traffic explains it beyond noise: ${poolText}; ${trafficText}.`,
      needs: 'add traffic steps: a higher concurrency, then a lower one repeated',
      sawRetention: true,
    };
  }
  return { ...base, answer: 'not-leak', reason: `Idle memory after traffic is back to baseline: ${stayed}; ${poolText}.`, needs: null, sawRetention: false };
}
