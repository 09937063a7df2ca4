/**
 * Memory kept per deploy beyond the live set: measured directly by the Theil–Sen slope over
 * redeploys at unchanged services when there are enough; else from the growth model at the last
 * service count; else from a restart drop shared over the configurations it released.
 */
import { tQuantile } from './distributions.js';
import type { Estimate } from './estimate.js';
import type { RetentionModel } from './retention-model.js';
import type { RestartComparison } from './rules/restart-drop.js';
import type { TrendFinding } from './rules/constant-services-trend.js';
import type { Series } from './series.js';

export type PerDeployMethod = 'constant-services-trend' | 'retention-model' | 'restart-drop';

export function estimateRetainedPerDeploy(
  series: Series,
  trend: TrendFinding | null,
  model: RetentionModel | null,
  restarts: readonly RestartComparison[],
): (Estimate<PerDeployMethod> & { readonly atServices: number }) | null {
  if (trend !== null) {
    const ts = trend.theilSen;
    return {
      value: ts.slope,
      ci95: [ts.lower, ts.upper],
      method: 'constant-services-trend',
      rows: trend.group.map((d) => d.row.index),
      atServices: trend.group[0]?.row.services ?? 0,
      note: `Theil–Sen slope over ${trend.group.length} deploys at unchanged services (Sen's 95 % interval)`,
    };
  }
  const last = series.deployRows[series.deployRows.length - 1];
  if (model !== null && model.hasRetentionTerm && model.retentionTest !== null && last !== undefined) {
    const s = last.row.services;
    const half = tQuantile(0.975, model.noise.dof) * model.retentionTest.sd * s;
    const value = model.retainedPerSupersededServiceBytes * s;
    return {
      value,
      ci95: [value - half, value + half],
      method: 'retention-model',
      rows: model.rows.map((d) => d.row.index),
      atServices: s,
      note: `growth model: each deploy keeps the replaced configuration's services × retained bytes per service, at ${s} services`,
    };
  }
  const drop = restarts.filter((c) => c.before.deploysInSegment > 1).sort((a, b) => b.dropBytes - a.dropBytes)[0];
  if (drop !== undefined) {
    const configs = drop.before.deploysInSegment - 1;
    return {
      value: drop.dropBytes / configs,
      ci95: null,
      method: 'restart-drop',
      rows: [drop.before.row.index, drop.after.row.index],
      atServices: drop.after.row.services,
      note: `restart drop shared over the ${configs} configurations replaced before it`,
    };
  }
  return null;
}
