/**
 * Noise measured from repeated rows: readings at unchanged services (a round and its redeploys)
 * scatter about their own Theil–Sen line only by noise, whatever the gateway retains. Preferred
 * to the growth model's residuals, which also hold whatever the model does not describe.
 */
import { pooledNoiseScale, priorNoiseSdBytes, type NoiseScale } from './noise.js';
import { constantServiceGroups } from './plateau.js';
import type { Series } from './series.js';
import { theilSen } from './theil-sen.js';
import { thinToBlocks } from './thin.js';

/** Pooled noise scale from every run of 3 or more rows at unchanged services; null when there is none. */
export function repeatedRowsNoise(series: Series): NoiseScale | null {
  let sumSquares = 0;
  let dof = 0;
  for (const group of constantServiceGroups(series.deployRows)) {
    if (group.length < 3) continue;
    const y = group.map((d) => d.row.memoryBytes);
    // The line comes from block means on long runs; the residuals are still taken row by row.
    const thinned = thinToBlocks(y);
    const ts = theilSen(thinned.values.map((_, i) => (i + 0.5) * thinned.blockSize - 0.5), thinned.values);
    group.forEach((d, i) => {
      const residual = (y[i] as number) - (ts.intercept + ts.slope * i);
      sumSquares += (residual / priorNoiseSdBytes(d.row)) ** 2;
    });
    dof += group.length - 2;
  }
  return dof > 0 ? pooledNoiseScale(Math.sqrt(sumSquares / dof), dof) : null;
}
