/**
 * Deploy time exponent k in deploy time ∝ servicesᵏ, by a log–log least-squares fit: 1 means each
 * deploy costs in proportion to the configuration, 2 means it grows quadratically.
 */
import type { Estimate } from './estimate.js';
import { confidenceInterval, fitLinear } from './regression.js';
import type { Round } from '../run-log/round.js';

export type DeployTimeMethod = 'deployMs' | 'elapsedMs';

export function estimateDeployTimeExponent(rounds: readonly Round[]): Estimate<DeployTimeMethod> | null {
  const deploys = rounds.filter((r) => (r.event === 'round' || r.event === 'redeploy') && r.services > 0);
  const method: DeployTimeMethod = deploys.some((r) => r.deployMs !== null && r.deployMs > 0) ? 'deployMs' : 'elapsedMs';
  const points = deploys.flatMap((r) => {
    const ms = method === 'deployMs' ? r.deployMs : r.elapsedMs;
    return ms !== null && ms > 0 ? [{ x: Math.log(r.services), y: Math.log(ms), index: r.index }] : [];
  });
  if (points.length < 3 || new Set(points.map((p) => p.x)).size < 2) return null;
  const fit = fitLinear(
    points.map((p) => [1, p.x]),
    points.map((p) => p.y),
  );
  if (fit === null) return null;
  const k = fit.coefficients[1] as number;
  const ci = fit.dof > 0 ? confidenceInterval(k, fit.standardErrors[1] as number, fit.dof) : null;
  return {
    value: k,
    ci95: ci !== null && ci.every(Number.isFinite) ? ci : null,
    method,
    rows: points.map((p) => p.index),
    note: `log–log fit of ${method === 'deployMs' ? 'deploy time' : 'round time (elapsed)'} over services across ${points.length} deploys`,
  };
}
