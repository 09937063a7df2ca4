/**
 * Rule 5, plateau: retention that grows by less each time and stops is bounded — a cache, a pool,
 * the one-off step of a first reload — not a leak; it is reported with its size. Runs after the
 * leak rules, which already defer to it for the amounts it explains.
 */
import { formatBytes } from '../../units.js';
import { roundNumbers } from '../numbers.js';
import type { PlateauSeries } from '../plateau.js';
import type { RuleContext } from './context.js';
import type { RuleResult } from './rule.js';

function describe(s: PlateauSeries): string {
  const where = s.kind === 'constant-services' ? `over ${s.values.length} deploys at ${s.services} services` : `above the live line over ${s.values.length} rows of segment ${s.segment + 1}`;
  return `${where} memory rose ${formatBytes(s.riseBytes)}: ${formatBytes(s.earlyRiseBytes)} in the first half, ${formatBytes(s.lateRiseBytes)} in the second, ${formatBytes(s.lastGainBytes)} at the last step (noise ${formatBytes(s.noiseBytes)})`;
}

export function plateauRule(ctx: RuleContext): RuleResult {
  const series = ctx.plateau.series;
  const rows = [...new Set(series.flatMap((s) => s.rows))].sort((a, b) => a - b);
  const bounded = series.filter((s) => s.levelsOff).sort((a, b) => b.riseBytes - a.riseBytes)[0];
  if (bounded) {
    return {
      rule: 'plateau',
      answer: 'bounded',
      reason: `Retention levels off: ${describe(bounded)}.`,
      numbers: roundNumbers({
        boundedBytes: bounded.riseBytes,
        earlyRiseBytes: bounded.earlyRiseBytes,
        lateRiseBytes: bounded.lateRiseBytes,
        lastGainBytes: bounded.lastGainBytes,
        noiseBytes: bounded.noiseBytes,
        services: bounded.services,
      }),
      needs: null, sawRetention: false,
      rows,
    };
  }
  // Rising excess over the live line is the restart rule's business; rising redeploys are open retention.
  const rising = series.find((s) => s.retains && s.kind === 'constant-services') ?? series.find((s) => s.retains);
  if (rising) {
    return {
      rule: 'plateau',
      answer: 'no-say',
      reason: `Retention does not level off: ${describe(rising)}.`,
      numbers: roundNumbers({ riseBytes: rising.riseBytes, lateRiseBytes: rising.lateRiseBytes, lastGainBytes: rising.lastGainBytes, noiseBytes: rising.noiseBytes }),
      needs: null, sawRetention: rising.kind === 'constant-services',
      rows,
    };
  }
  return {
    rule: 'plateau',
    answer: 'no-say',
    reason: series.length === 0 ? 'No series of 4 or more readings at a fixed live set to look for a plateau in.' : 'No retention beyond noise to look for a plateau in.',
    numbers: {},
    needs: series.length === 0 ? 'add --redeploys 6' : null, sawRetention: false,
    rows,
  };
}
