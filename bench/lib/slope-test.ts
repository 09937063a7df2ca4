/**
 * A yardstick for the verdict bench: the textbook test a per-deploy leak should at least match —
 * ordinary least squares of memory on the deploy count over the rows at the run's final service
 * count (its last round and the redeploys after it), one-sided t-test of the slope. It knows
 * nothing of restarts, replicates or other rows; it only says what the redeploys alone can show.
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { Round } from '../../src/run-log/round.js';

/** True when the slope is significantly positive at one-sided `alpha`; null with fewer than 3 rows. */
export function olsSlopeRises(rows: readonly Round[], alpha: number): boolean | null {
  const last = rows[rows.length - 1];
  if (last === undefined) return null;
  let start = rows.length - 1;
  while (start > 0 && rows[start - 1]?.services === last.services && rows[start - 1]?.event !== 'restart' && rows[start]?.event !== 'round') start--;
  const ys = rows.slice(start).map((r) => r.memoryBytes);
  const n = ys.length;
  if (n < 3) return null;
  const xMean = (n - 1) / 2;
  const yMean = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  ys.forEach((y, x) => {
    sxx += (x - xMean) ** 2;
    sxy += (x - xMean) * (y - yMean);
  });
  const slope = sxy / sxx;
  const rss = ys.reduce((s, y, x) => s + (y - yMean - slope * (x - xMean)) ** 2, 0);
  const se = Math.sqrt(rss / (n - 2) / sxx);
  return slope / se > tQuantile(1 - alpha, n - 2);
}
