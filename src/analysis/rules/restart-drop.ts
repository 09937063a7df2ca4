/**
 * Rule 1, restart drop: memory right after a restart (same services) well below memory just before
 * it means the gateway held memory its live set does not need — not released, a leak — unless the
 * plateau analysis shows that amount is a bounded retention.
 */
import { formatBytes } from '../../units.js';
import { MIN_EFFECT_FRACTION, priorNoiseSdBytes, sawtoothAmplitudeBytes } from '../noise.js';
import { roundNumbers } from '../numbers.js';
import { plateauExplains } from '../plateau.js';
import type { DeployRow } from '../series.js';
import type { RuleContext } from './context.js';
import type { RuleResult } from './rule.js';

export interface RestartComparison {
  readonly before: DeployRow;
  readonly after: DeployRow;
  readonly dropBytes: number;
  /** Standard deviation of the difference of the two readings. */
  readonly noiseSdBytes: number;
  /** Smallest drop that counts: the largest of critical × sd, the sawtooth of both readings, and 5 % of memory. */
  readonly thresholdBytes: number;
  readonly significant: boolean;
}

/** Each restart row with the row measured just before it at the same services. */
export function restartComparisons(ctx: Pick<RuleContext, 'series' | 'noise'>): RestartComparison[] {
  const rows = ctx.series.deployRows;
  const out: RestartComparison[] = [];
  rows.forEach((after, i) => {
    const before = rows[i - 1];
    if (after.row.event !== 'restart' || before === undefined || before.row.services !== after.row.services) return;
    const noiseSdBytes = ctx.noise.scale * Math.hypot(priorNoiseSdBytes(before.row), priorNoiseSdBytes(after.row));
    const thresholdBytes = Math.max(
      ctx.noise.critical * noiseSdBytes,
      sawtoothAmplitudeBytes(before.row) + sawtoothAmplitudeBytes(after.row),
      MIN_EFFECT_FRACTION * before.row.memoryBytes,
    );
    const dropBytes = before.row.memoryBytes - after.row.memoryBytes;
    out.push({ before, after, dropBytes, noiseSdBytes, thresholdBytes, significant: dropBytes > thresholdBytes });
  });
  return out;
}

export function restartDropRule(ctx: RuleContext): RuleResult {
  const comparisons = restartComparisons(ctx);
  const rows = comparisons.flatMap((c) => [c.before.row.index, c.after.row.index]);
  const base = { rule: 'restart-drop' as const, rows };
  if (comparisons.length === 0) {
    const at = ctx.suggestedRestartAt;
    return {
      ...base,
      answer: 'no-say',
      reason: 'No restart with the same services was measured, so nothing shows whether memory is released.',
      numbers: {},
      needs: at === null ? 'add a restart at a service count the run reaches (--restart-at)' : `add --restart-at ${at}`, sawRetention: false,
    };
  }
  const c = comparisons.reduce((best, x) => (x.dropBytes / x.thresholdBytes > best.dropBytes / best.thresholdBytes ? x : best));
  const deploysBefore = c.before.deploysInSegment;
  const numbers = roundNumbers({
    services: c.after.row.services,
    beforeBytes: c.before.row.memoryBytes,
    afterBytes: c.after.row.memoryBytes,
    dropBytes: c.dropBytes,
    dropFraction: c.before.row.memoryBytes > 0 ? c.dropBytes / c.before.row.memoryBytes : null,
    noiseSdBytes: c.noiseSdBytes,
    thresholdBytes: c.thresholdBytes,
    supersededServices: c.before.supersededServices,
    retainedPerSupersededServiceBytes: c.before.supersededServices > 0 ? c.dropBytes / c.before.supersededServices : null,
  });
  const what = `memory went from ${formatBytes(c.before.row.memoryBytes)} before the restart at ${c.after.row.services} services to ${formatBytes(c.after.row.memoryBytes)} after it (${formatBytes(c.dropBytes)} less; a drop counts beyond ${formatBytes(c.thresholdBytes)})`;
  if (c.significant) {
    if (plateauExplains(ctx.plateau, null, c.dropBytes)) {
      return { ...base, answer: 'no-say', reason: `The drop is the bounded retention the plateau rule found: ${what}.`, numbers, needs: null, sawRetention: false };
    }
    const excess = ctx.plateau.series.filter((s) => s.kind === 'excess-over-live' && s.segment === c.before.segment);
    if (excess.length > 0 && !excess.some((s) => s.grows) && c.dropBytes < 2 * c.thresholdBytes) {
      return {
        ...base,
        answer: 'no-say',
        reason: `The drop could be a one-off step rather than growing retention (memory above the live line did not keep rising before the restart): ${what}.`,
        numbers,
        needs: 'measure the heap after a forced GC, or add --redeploys 6',
        sawRetention: true,
      };
    }
    return { ...base, answer: 'leak', reason: `Memory was not released: ${what}.`, numbers, needs: null, sawRetention: false };
  }
  if (c.before.supersededServices === 0) {
    return {
      ...base,
      answer: 'no-say',
      reason: `The restart came before any configuration was replaced, so it cannot show retention: ${what}.`,
      numbers,
      needs: 'restart after several rounds (--restart-at at a later round)', sawRetention: false,
    };
  }
  return {
    ...base,
    answer: 'not-leak',
    reason: `The restart released nothing beyond noise after ${deploysBefore} deploys: ${what}.`,
    numbers,
    needs: null, sawRetention: false,
  };
}
