/** What every rule may read: the arranged rows, the fitted growth model, the noise level and the plateaus. */
import type { NoiseScale } from '../noise.js';
import type { PlateauAnalysis } from '../plateau.js';
import type { RetentionModel } from '../retention-model.js';
import type { Series } from '../series.js';

export interface RuleContext {
  readonly series: Series;
  /** The growth model over every deploy row; null with fewer than two service counts. */
  readonly model: RetentionModel | null;
  /** The run's pooled noise scale (from the model's residuals, else the prior alone). */
  readonly noise: NoiseScale;
  readonly plateau: PlateauAnalysis;
  /** A service count to suggest for `--restart-at` when a restart would decide. */
  readonly suggestedRestartAt: number | null;
}
