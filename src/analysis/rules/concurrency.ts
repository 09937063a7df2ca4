/**
 * Rule 4, concurrency: idle memory after traffic steps. Memory that rises only when a step reaches
 * a concurrency above every earlier one, and stays flat when a lower or equal concurrency repeats,
 * is a pool sized to the highest concurrency ever reached (the WebSphere field case):
 * concurrency-retention, reported per unit of concurrency. Memory that rises on repeats too is a
 * leak; back to baseline is healthy. Idle memory is fitted as
 * baseline + perUnit·(highest concurrency so far) + leak·(traffic so far), the traffic being the
 * requests served (or, for rows without them, concurrency summed over steps): a pool moves the
 * first term only, traffic that leaks moves the second.
 *
 * A pool is claimed only when its term stands with the leak term beside it: most traffic plans make
 * the two columns nearly collinear (every new high also adds to the sum), so a rise that the
 * pool-only fit explains is just as well a leak. Such a rise is `no-say` and asks for repeats of
 * the highest concurrency, where a pool stays flat and a leak keeps rising.
 */
import { formatBytes } from '../../units.js';
import { CONCURRENCY_MIN_EFFECT_FRACTION, LOAD_MARGIN_FRACTION, LOAD_MIN_EFFECT_FRACTION } from '../constants.js';
import { pooledNoiseScale, priorNoiseSdBytes, sawtoothAmplitudeBytes, type NoiseScale } from '../noise.js';
import { roundNumbers } from '../numbers.js';
import { sig4 } from '../rounding.js';
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
  /** One-sided upper bound at ALPHA_EQUIVALENCE, sawtooth included: the most the term can be. */
  readonly upper: number;
}

/** Tests βⱼ > 0 in a WLS fit weighted by 1/prior variance, so that noise scale × √(XᵀWX)⁻¹ⱼⱼ is its sd. */
function testPositive(fit: LinearFit, j: number, readings: readonly Pick<Round, 'memoryBytes' | 'afterGc'>[], noise: NoiseScale): CoefficientTest {
  const estimate = fit.coefficients[j] as number;
  const sd = noise.scale * Math.sqrt((fit.unscaledCovariance[j] as readonly number[])[j] as number);
  const weights = fit.estimatorWeights[j] as readonly number[];
  const sawtoothBound = readings.reduce((s, r, i) => s + Math.abs(weights[i] as number) * sawtoothAmplitudeBytes(r), 0);
  const t = sd > 0 ? estimate / sd : estimate > 0 ? Infinity : 0;
  return {
    estimate,
    sd,
    t,
    critical: noise.critical,
    sawtoothBound,
    significant: t > noise.critical && estimate > sawtoothBound,
    upper: estimate + noise.equivalenceCritical * sd + sawtoothBound,
  };
}

/**
 * Upper bound of m·pool + s·leak in the fit with both terms: the two are nearly collinear in most
 * traffic plans, so bounding each alone would count the same bytes twice with opposite signs.
 */
function heldUpperBound(fit: LinearFit, m: number, s: number, readings: readonly Pick<Round, 'memoryBytes' | 'afterGc'>[], noise: NoiseScale): number {
  const c = fit.unscaledCovariance;
  const cell = (i: number, j: number): number => (c[i] as readonly number[])[j] as number;
  const estimate = m * (fit.coefficients[1] as number) + s * (fit.coefficients[2] as number);
  const variance = m * m * cell(1, 1) + s * s * cell(2, 2) + 2 * m * s * cell(1, 2);
  const w1 = fit.estimatorWeights[1] as readonly number[];
  const w2 = fit.estimatorWeights[2] as readonly number[];
  const sawtooth = readings.reduce((sum, r, i) => sum + Math.abs(m * (w1[i] as number) + s * (w2[i] as number)) * sawtoothAmplitudeBytes(r), 0);
  return estimate + noise.equivalenceCritical * noise.scale * Math.sqrt(Math.max(0, variance)) + sawtooth;
}

export interface ConcurrencyPoint {
  readonly row: Round;
  /** Highest concurrency reached so far (0 for the baseline). */
  readonly runningMax: number;
  /** Traffic so far: requests served over the steps (concurrency summed where rows lack requests). */
  readonly cumulative: number;
  /** False for a step that repeats a concurrency already reached, or a lower one. */
  readonly newMax: boolean;
}

export interface ConcurrencyFinding {
  readonly points: readonly ConcurrencyPoint[];
  readonly baseline: Round | null;
  readonly repeats: number;
  /** Bytes per unit of the highest concurrency reached, in the fit with the leak term beside it (null below 4 points). */
  readonly pool: CoefficientTest | null;
  /** The same from the pool-only fit: a rise, whether pool or leak (the two are often collinear). */
  readonly rise: CoefficientTest | null;
  /** Bytes per unit of concurrency summed over steps (traffic that leaks). */
  readonly traffic: CoefficientTest | null;
  /**
   * One-sided upper bound (ALPHA_EQUIVALENCE) of what the traffic holds after the last step,
   * pool·max + leak·sum, from the fit with both terms (their covariance included); null below 4 points.
   */
  readonly heldUpperBytes: number | null;
  readonly poolCi95: readonly [number, number] | null;
  /** Last idle reading minus the baseline, and the smallest difference that counts. */
  readonly aboveBaselineBytes: number | null;
  readonly aboveBaselineThresholdBytes: number;
  readonly maxConcurrency: number;
  /** The traffic term's unit: requests served, or (rows without request counts) concurrency summed over steps. */
  readonly trafficUnit: 'request' | 'concurrency-step';
  readonly cumulativeTraffic: number;
}

/**
 * Reads the load rows of the last traffic phase (those after the last row that is not a load row:
 * a resumed or crash-restarted run starts its steps again on a fresh gateway, whose memory does not
 * carry the earlier steps); null with fewer than two.
 */
export function concurrencySteps(ctx: RuleContext, rounds: readonly Round[]): ConcurrencyFinding | null {
  const lastOther = rounds.reduce((at, r) => (r.event !== 'load' && r.event !== 'crash' ? Math.max(at, r.index) : at), -1);
  const loads = ctx.series.loadRows.filter((r) => r.concurrency !== null && r.index > lastOther);
  if (loads.length < 2) return null;
  const firstLoad = loads[0] as Round;
  // The deploy-side reading just before the first traffic step is the baseline.
  const baseline = [...rounds].reverse().find((r) => r.index < firstLoad.index && r.event !== 'load' && r.event !== 'crash') ?? null;
  const points: ConcurrencyPoint[] = baseline ? [{ row: baseline, runningMax: 0, cumulative: 0, newMax: false }] : [];
  let runningMax = 0;
  let cumulative = 0;
  let repeats = 0;
  // A leak per request grows with the requests served; rows logged before they were counted (or a
  // CSV without the column) fall back to concurrency summed over steps, which is proportional to them
  // while the gateway is not saturated.
  const unit = loads.every((r) => r.requests !== undefined) ? 'request' : 'concurrency-step';
  for (const row of loads) {
    const c = row.concurrency ?? 0;
    const newMax = c > runningMax;
    if (!newMax) repeats++;
    runningMax = Math.max(runningMax, c);
    cumulative += unit === 'request' ? (row.requests ?? 0) : c;
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
    const own = pooledNoiseScale(rse, dof, ctx.looks);
    return { ...own, scale: Math.max(own.scale, ctx.noise.scale) };
  };
  const bothNoise = both !== null ? noiseOf(both.dof, both.residualStandardError) : null;
  const traffic = both !== null && bothNoise !== null ? testPositive(both, 2, readings, bothNoise) : null;
  const pool = both !== null && bothNoise !== null ? testPositive(both, 1, readings, bothNoise) : null;
  const rise = poolOnly !== null ? testPositive(poolOnly, 1, readings, noiseOf(poolOnly.dof, poolOnly.residualStandardError)) : null;
  const held = both !== null && bothNoise !== null ? heldUpperBound(both, runningMax, cumulative, readings, bothNoise) : null;
  const poolCi95: [number, number] | null =
    pool !== null && bothNoise !== null
      ? [pool.estimate - tQuantile(0.975, bothNoise.dof) * pool.sd, pool.estimate + tQuantile(0.975, bothNoise.dof) * pool.sd]
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
    rise,
    traffic,
    heldUpperBytes: held,
    poolCi95,
    aboveBaselineBytes: baseline ? last.memoryBytes - baseline.memoryBytes : null,
    aboveBaselineThresholdBytes,
    maxConcurrency: runningMax,
    trafficUnit: unit,
    cumulativeTraffic: cumulative,
  };
}

/** The rule's answer from the finding `concurrencySteps` gave for the same rows. */
export function concurrencyRule(ctx: RuleContext, f: ConcurrencyFinding | null): RuleResult {
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
    riseBytesPerConcurrency: f.rise?.estimate ?? null,
    riseT: f.rise?.t ?? null,
    leakBytesPerRequest: f.trafficUnit === 'request' ? (f.traffic?.estimate ?? null) : null,
    leakBytesPerConcurrencyStep: f.trafficUnit === 'concurrency-step' ? (f.traffic?.estimate ?? null) : null,
    requests: f.trafficUnit === 'request' ? f.cumulativeTraffic : null,
    leakT: f.traffic?.t ?? null,
    critical: f.traffic?.critical ?? f.rise?.critical ?? null,
    aboveBaselineBytes: f.aboveBaselineBytes,
    aboveBaselineThresholdBytes: f.aboveBaselineThresholdBytes,
    keptUpperBytes: f.traffic === null ? null : Math.max(0, f.traffic.upper * f.cumulativeTraffic),
    heldUpperBytes: f.heldUpperBytes === null ? null : Math.max(0, f.heldUpperBytes),
    marginBytes: LOAD_MARGIN_FRACTION * memory,
  });
  const rows = f.points.map((p) => p.row.index);
  const base = { rule: 'concurrency' as const, numbers, rows };
  const perUnit = (t: CoefficientTest, what: string): string => `${formatBytes(t.estimate)} per unit of ${what} (t = ${sig4(t.t)})`;
  const poolText = f.pool
    ? perUnit(f.pool, 'the highest concurrency reached')
    : f.rise
      ? perUnit(f.rise, 'the highest concurrency reached, pool-only fit')
      : 'no pool term';
  const trafficText = f.traffic
    ? f.trafficUnit === 'request'
      ? `${formatBytes(f.traffic.estimate)} per request served (t = ${sig4(f.traffic.t)}; ${f.cumulativeTraffic} requests)`
      : perUnit(f.traffic, 'concurrency of every step')
    : 'too few steps for a traffic term';
  // Neither term can be below zero (memory does not shrink with traffic or with the highest concurrency
  // reached). One that is, beyond noise, means the two collinear columns are trading scatter the model
  // does not explain (an outlier, a drift): nothing is claimed from such a fit.
  const against = [f.traffic, f.pool].find((t) => t !== null && t.t < -t.critical);
  if (against !== undefined && against !== null) {
    return {
      ...base,
      answer: 'no-say',
      reason: `Idle memory moved against the traffic beyond noise (${poolText}; ${trafficText}): the readings scatter in a way neither a pool nor a leak explains.`,
      needs: `repeat the highest concurrency (${f.maxConcurrency}) a few more times (--load-repeats auto), or check the readings for a drift or an outlier`,
      sawRetention: true,
    };
  }
  const leaked = f.traffic !== null && f.traffic.significant && f.traffic.estimate * f.cumulativeTraffic >= LOAD_MIN_EFFECT_FRACTION * memory;
  if (leaked && f.repeats > 0) {
    return {
      ...base,
      answer: 'leak',
      reason: `Memory rises with every traffic step, repeats included: ${trafficText}; ${poolText}.`,
      needs: null,
      sawRetention: false,
    };
  }
  const large = (t: CoefficientTest | null): boolean =>
    t !== null && t.significant && t.estimate * f.maxConcurrency >= CONCURRENCY_MIN_EFFECT_FRACTION * memory;
  if (large(f.pool) && f.repeats > 0) {
    return {
      ...base,
      answer: 'concurrency-retention',
      reason: `Memory follows the highest concurrency ever reached and stays flat when a concurrency repeats: ${poolText}; ${trafficText}; ${formatBytes((f.pool?.estimate ?? 0) * f.maxConcurrency)} at concurrency ${f.maxConcurrency}.`,
      needs: null,
      sawRetention: false,
    };
  }
  if (leaked || large(f.pool) || large(f.rise)) {
    if (f.repeats === 0) {
      return {
        ...base,
        answer: 'no-say',
        reason: `Memory rose with concurrency (${poolText}), but no step repeated a lower concurrency to tell a pool from a leak.`,
        needs: 'add a traffic step that repeats a concurrency already reached (--load-repeats does it at the highest)',
        sawRetention: true,
      };
    }
    return {
      ...base,
      answer: 'no-say',
      reason: `Memory rose with concurrency, but with both terms in the fit neither stands beyond noise (critical t = ${sig4(f.traffic?.critical ?? f.rise?.critical)}), so the steps cannot tell a pool from a leak: ${poolText}; ${trafficText}.`,
      needs: `repeat the highest concurrency (${f.maxConcurrency}) a few more times (--load-repeats auto): a pool stays flat there, a leak keeps rising`,
      sawRetention: true,
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
  const margin = LOAD_MARGIN_FRACTION * memory;
  // What the traffic holds now, and what as much traffic again would add (a leak grows; a pool does not).
  const heldUpper = f.heldUpperBytes === null ? null : Math.max(0, f.heldUpperBytes);
  const keptUpper = f.traffic === null ? null : Math.max(0, f.traffic.upper * f.cumulativeTraffic);
  if (keptUpper === null || heldUpper === null || keptUpper >= margin || heldUpper >= margin) {
    const bounds =
      keptUpper === null || heldUpper === null
        ? 'too few steps to bound what traffic keeps'
        : `the traffic may hold up to ${formatBytes(heldUpper)} and as much traffic again may add up to ${formatBytes(keptUpper)} (margin ${formatBytes(margin)})`;
    return {
      ...base,
      answer: 'no-say',
      reason: `Idle memory after traffic is back near the baseline (${stayed}), but ${bounds}.`,
      needs: `repeat the highest concurrency (${f.maxConcurrency}) a few more times (--load-repeats auto), to bound what traffic keeps`,
      sawRetention: true,
    };
  }
  return {
    ...base,
    answer: 'not-leak',
    reason: `Idle memory after traffic is back to baseline: ${stayed}; the traffic holds at most ${formatBytes(heldUpper)} and as much again would add at most ${formatBytes(keptUpper)} (margin ${formatBytes(margin)}).`,
    needs: null,
    sawRetention: false,
  };
}
