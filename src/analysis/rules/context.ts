/** What the concurrency test reads: the arranged rows and the prior noise level of a reading. */
import type { NoiseScale } from '../noise.js';
import type { Series } from '../series.js';

export interface RuleContext {
  readonly series: Series;
  /** The prior noise scale (1 on PRIOR_DOF degrees of freedom). */
  readonly noise: NoiseScale;
  /** Looks of a sequential traffic test (`--load-repeats auto`): its levels are divided by them. */
  readonly looks: number;
}
