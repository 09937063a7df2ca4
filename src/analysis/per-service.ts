/**
 * What a registered service really costs in live memory, from rows that hold no retained garbage:
 * the fresh start and restarts when the gateway retains, else every row (a healthy gateway's rows
 * are all live) through the growth model, which separates retention from the live slope.
 */
import { formatBytes } from '../units.js';
import type { Estimate } from './estimate.js';
import { tQuantile } from './distributions.js';
import type { NoiseScale } from './noise.js';
import { fitLiveLine, type RetentionModel } from './retention-model.js';
import { isClean, type DeployRow, type Series } from './series.js';
import type { LinearFit } from './regression.js';

export type PerServiceMethod = 'clean-rows' | 'retention-model' | 'linear-fit';

function slopeInterval(fit: LinearFit, noise: NoiseScale): [number, number] {
  const slope = fit.coefficients[1] as number;
  const half = tQuantile(0.975, noise.dof) * noise.scale * Math.sqrt((fit.unscaledCovariance[1] as readonly number[])[1] as number);
  return [slope - half, slope + half];
}

/**
 * @param retains whether any rule found retention (then only clean rows, or the model's live slope, count).
 */
export function estimatePerService(series: Series, model: RetentionModel | null, retains: boolean): Estimate<PerServiceMethod> | null {
  const rows = series.deployRows;
  const indices = (list: readonly DeployRow[]): number[] => list.map((d) => d.row.index);
  if (retains) {
    const clean = rows.filter(isClean);
    if (new Set(clean.map((d) => d.row.services)).size >= 2) {
      const live = fitLiveLine(clean);
      if (live !== null) {
        const value = live.fit.coefficients[1] as number;
        return {
          value,
          ci95: slopeInterval(live.fit, live.noise),
          method: 'clean-rows',
          rows: indices(clean),
          note: `slope through the ${clean.length} rows that hold no old configuration (fresh start, restarts): ${formatBytes(value)} per service`,
        };
      }
    }
    if (model !== null && model.hasRetentionTerm) {
      return {
        value: model.perServiceBytes,
        ci95: slopeInterval(model.fit, model.noise),
        method: 'retention-model',
        rows: indices(model.rows),
        note: 'live slope of the growth model, with the retained configurations separated out',
      };
    }
    return null;
  }
  // The empty gateway misses one-off costs of the first deploy (lazy initialisation) that would tilt the slope.
  const configured = rows.filter((d) => d.row.services > 0);
  const used = new Set(configured.map((d) => d.row.services)).size >= 3 ? configured : rows;
  const live = fitLiveLine(used);
  if (live === null) return null;
  const value = live.fit.coefficients[1] as number;
  return {
    value,
    ci95: slopeInterval(live.fit, live.noise),
    method: 'linear-fit',
    rows: indices(used),
    note: `slope of memory over services across ${used.length} deploy rows${used.length < rows.length ? ' (the empty gateway left out)' : ''}; no retention found, so every row is live: ${formatBytes(value)} per service`,
  };
}
