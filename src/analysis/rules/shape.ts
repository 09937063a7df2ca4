/**
 * Rule 3, shape: memory that grows faster than linear in services, explained by the services of
 * superseded configurations (for rounds of equal size that is a quadratic term) beyond noise, with
 * no restart to show that the memory is live, is a leak. Decides from 4 after-GC rounds when the
 * curvature is clear; says nothing from fewer.
 */
import { formatBytes } from '../../units.js';
import { MIN_SHAPE_EFFECT_FRACTION } from '../noise.js';
import { roundNumbers } from '../numbers.js';
import { plateauExplains } from '../plateau.js';
import type { DeployRow } from '../series.js';
import type { RuleContext } from './context.js';
import { restartComparisons } from './restart-drop.js';
import type { RuleResult } from './rule.js';

/** Fewest deploy rows for the shape rule (a 3-coefficient fit needs one row to spare). */
export const SHAPE_MIN_ROWS = 4;
/** The rule vouches for linear growth only when retention above this fraction of memory would have shown. */
export const SHAPE_MAX_BLIND_FRACTION = 0.25;

export function shapeRule(ctx: RuleContext): RuleResult {
  const rows = ctx.series.deployRows;
  const model = ctx.model;
  const indices = rows.map((d) => d.row.index);
  if (rows.length < SHAPE_MIN_ROWS || model === null || !model.hasRetentionTerm || model.fit.dof < 1 || model.retentionTest === null) {
    return {
      rule: 'shape',
      answer: 'no-say',
      reason: `${rows.length} deploy rows at ${new Set(rows.map((d) => d.row.services)).size} service counts are too few to tell linear from faster-than-linear growth (at least ${SHAPE_MIN_ROWS} rounds are needed).`,
      numbers: roundNumbers({ rows: rows.length }),
      needs: 'add rounds: at least 4 rounds, e.g. --services 400 --batch 100', sawRetention: false,
      rows: indices,
    };
  }
  const test = model.retentionTest;
  // Where the model says most is retained: the row with the most superseded services.
  const at = rows.reduce((best, d) => (d.supersededServices > best.supersededServices ? d : best), rows[0] as DeployRow);
  const retainedBytes = test.estimate * at.supersededServices;
  const retainedFraction = at.row.memoryBytes > 0 ? retainedBytes / at.row.memoryBytes : 0;
  const detectableBytes = (test.critical * test.sd + test.sawtoothBound) * at.supersededServices;
  const numbers = roundNumbers({
    rows: rows.length,
    perServiceBytes: model.perServiceBytes,
    retainedPerSupersededServiceBytes: test.estimate,
    retainedSdBytes: test.sd,
    t: test.t,
    critical: test.critical,
    sawtoothBoundBytes: test.sawtoothBound,
    atServices: at.row.services,
    supersededServices: at.supersededServices,
    retainedBytes,
    retainedFraction,
    noiseScale: ctx.noise.scale,
  });
  const base = { rule: 'shape' as const, numbers, rows: indices };
  const fitText = `memory ≈ ${formatBytes(model.baseBytes)} + ${formatBytes(model.perServiceBytes)}/service + ${formatBytes(test.estimate)} per service of each replaced configuration (t = ${numbers.t}, needs > ${numbers.critical})`;
  if (test.significant && retainedFraction >= MIN_SHAPE_EFFECT_FRACTION) {
    const live = restartComparisons(ctx).find((c) => !c.significant && c.before.supersededServices > 0);
    if (live) {
      return {
        ...base,
        answer: 'not-leak',
        reason: `Memory grows faster than linear (${fitText}), but the restart at ${live.after.row.services} services released only ${formatBytes(live.dropBytes)}: the growth is live data.`,
        needs: null, sawRetention: false,
      };
    }
    if (plateauExplains(ctx.plateau, null, retainedBytes)) {
      return { ...base, answer: 'no-say', reason: `The extra memory is the bounded retention the plateau rule found (${fitText}).`, needs: null, sawRetention: false };
    }
    return {
      ...base,
      answer: 'leak',
      reason: `Memory grows faster than linear in services: ${fitText}; at ${at.row.services} services that is ${formatBytes(retainedBytes)} (${Math.round(retainedFraction * 100)} % of memory) not explained by the live set.`,
      needs: null, sawRetention: false,
    };
  }
  if (detectableBytes > SHAPE_MAX_BLIND_FRACTION * at.row.memoryBytes) {
    return {
      ...base,
      answer: 'no-say',
      reason: `The readings scatter too much to tell the shape: only retention above ${formatBytes(detectableBytes)} at ${at.row.services} services would show (${fitText}).`,
      needs: 'measure the heap after a forced GC, or add rounds', sawRetention: false,
    };
  }
  return {
    ...base,
    answer: 'not-leak',
    reason: `Memory grows linearly in services: ${fitText}; retention above ${formatBytes(detectableBytes)} at ${at.row.services} services would have shown.`,
    needs: null, sawRetention: false,
  };
}
