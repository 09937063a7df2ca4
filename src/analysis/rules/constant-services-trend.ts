/**
 * Rule 2, constant-services trend: over redeploys of an unchanged configuration the live set is
 * fixed, so memory that keeps rising is kept per deploy. Mann–Kendall (tie-corrected) says whether
 * it rises; Theil–Sen says by how much per deploy. A leak unless the rise levels off (plateau).
 */
import { formatBytes } from '../../units.js';
import { mannKendall } from '../mann-kendall.js';
import { MIN_EFFECT_FRACTION, pooledNoiseScale, priorNoiseSdBytes, sawtoothAmplitudeBytes } from '../noise.js';
import { roundNumbers } from '../numbers.js';
import { median, scaledMad } from '../order-statistics.js';
import { constantServiceGroups, plateauExplains } from '../plateau.js';
import { theilSen, type TheilSenResult } from '../theil-sen.js';
import { thinToBlocks } from '../thin.js';
import type { DeployRow } from '../series.js';
import type { RuleContext } from './context.js';
import type { RuleResult } from './rule.js';

/** Fewest rows at unchanged services (a round and its redeploys) for the test to answer. */
export const TREND_MIN_ROWS = 5;
/** Significance of the Mann–Kendall test for a rise (the size check below guards against noise). */
export const TREND_ALPHA = 0.05;
/** A rise over the redeploys smaller than this fraction of memory is not called a leak. */
export const TREND_MIN_RISE_FRACTION = 0.01;

export interface TrendFinding {
  readonly group: readonly DeployRow[];
  readonly values: readonly number[];
  readonly pIncreasing: number;
  readonly s: number;
  readonly varianceS: number;
  readonly z: number;
  readonly theilSen: TheilSenResult;
  /** Theil–Sen slope × (n − 1). */
  readonly riseBytes: number;
  readonly noiseBytes: number;
  readonly significant: boolean;
}

/** The trend test on the longest run of rows at unchanged services; null when none has TREND_MIN_ROWS. */
export function constantServicesTrend(ctx: Pick<RuleContext, 'series' | 'noise'>): TrendFinding | null {
  const groups = constantServiceGroups(ctx.series.deployRows).filter((g) => g.length >= TREND_MIN_ROWS);
  const group = groups.reduce<DeployRow[] | null>((best, g) => (best === null || g.length >= best.length ? g : best), null);
  if (group === null) return null;
  const { values, blockSize: step } = thinToBlocks(group.map((d) => d.row.memoryBytes));
  const mk = mannKendall(values);
  const x = values.map((_, i) => i * step);
  const ts = theilSen(x, values);
  // The group's own scatter about its Theil–Sen line, pooled with the prior, sets the noise.
  const priorSd = median(group.map((d) => priorNoiseSdBytes(d.row)));
  const residuals = values.map((v, i) => v - (ts.intercept + ts.slope * (x[i] as number)));
  const own = pooledNoiseScale(scaledMad(residuals) / priorSd, values.length - 2);
  // Never assume less scatter than the repeated rows of the whole run show.
  const scale = Math.max(own.scale, ctx.noise.scale);
  const noise = { ...own, scale };
  const amplitude = median(group.map((d) => sawtoothAmplitudeBytes(d.row)));
  const noiseBytes = Math.max(noise.critical * Math.SQRT2 * noise.scale * priorSd, 2 * amplitude);
  const riseBytes = ts.slope * (group.length - 1);
  const memory = median(values);
  const significant = mk.pIncreasing < TREND_ALPHA && riseBytes > noiseBytes && riseBytes >= TREND_MIN_RISE_FRACTION * memory;
  return { group, values, pIncreasing: mk.pIncreasing, s: mk.s, varianceS: mk.varianceS, z: mk.z, theilSen: ts, riseBytes, noiseBytes, significant };
}

/** @param finding `constantServicesTrend(ctx)`, computed once by the caller. */
export function constantServicesTrendRule(ctx: RuleContext, finding: TrendFinding | null): RuleResult {
  if (finding === null) {
    const longest = Math.max(0, ...constantServiceGroups(ctx.series.deployRows).map((g) => g.length));
    return {
      rule: 'constant-services-trend',
      answer: 'no-say',
      reason: `No run of ${TREND_MIN_ROWS} or more rows at unchanged services (the longest has ${longest}), too few for a trend test.`,
      numbers: roundNumbers({ longestRunRows: longest }),
      needs: 'add --redeploys 6', sawRetention: false,
      rows: [],
    };
  }
  const { group, theilSen: ts } = finding;
  const first = group[0] as DeployRow;
  const memory = median(finding.values);
  const numbers = roundNumbers({
    services: first.row.services,
    rows: group.length,
    s: finding.s,
    varianceS: finding.varianceS,
    z: finding.z,
    pIncreasing: finding.pIncreasing,
    slopeBytesPerDeploy: ts.slope,
    slopeLowBytesPerDeploy: ts.lower,
    slopeHighBytesPerDeploy: ts.upper,
    riseBytes: finding.riseBytes,
    noiseBytes: finding.noiseBytes,
  });
  const base = { rule: 'constant-services-trend' as const, numbers, rows: group.map((d) => d.row.index) };
  const what = `over ${group.length} deploys at ${first.row.services} services memory changed by ${formatBytes(ts.slope)} per deploy (Theil–Sen; ${formatBytes(finding.riseBytes)} in all, noise ${formatBytes(finding.noiseBytes)}), Mann–Kendall S = ${finding.s}, p = ${numbers.pIncreasing}`;
  if (finding.significant) {
    if (plateauExplains(ctx.plateau, first.segment, finding.riseBytes)) {
      return { ...base, answer: 'no-say', reason: `Memory rose but levelled off (see plateau): ${what}.`, needs: null, sawRetention: false };
    }
    return { ...base, answer: 'leak', reason: `Memory is retained per deploy: ${what}.`, needs: null, sawRetention: false };
  }
  if (finding.noiseBytes > MIN_EFFECT_FRACTION * 4 * memory) {
    return {
      ...base,
      answer: 'no-say',
      reason: `The readings scatter too much to see a rise: ${what}.`,
      needs: 'measure the heap after a forced GC, or add --redeploys 10', sawRetention: false,
    };
  }
  return { ...base, answer: 'not-leak', reason: `No rise beyond noise: ${what}.`, needs: null, sawRetention: false };
}
