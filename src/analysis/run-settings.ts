/**
 * Analysis options a run log implies: the heap max the run set (`heapMaxBytes`, else
 * `gatewayHeapMb`), its leak margin (`leakMarginFraction`) and the looks of its sequential traffic
 * test (`loadRepeats` auto:MAX). `gwscale report` (report.json) and
 * `gwscale analyze RUN_DIR` both take their options from here, so the two agree. Pure.
 */
import type { RunRecord } from '../run-log/records.js';
import { MiB } from '../units.js';
import type { AnalysisOptions } from './analysis.js';

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/**
 * Options for `analyzeRounds` from a run log, with the caller's overrides winning (e.g. --heap-max,
 * --leak-margin given to `gwscale analyze`). `heapMaxSource` is `run-settings` when the heap max came
 * from the run (its --heap-max or --gateway-heap-mb), `option` when the caller gave it.
 */
export function analysisOptionsOfRun(records: readonly RunRecord[], overrides: AnalysisOptions = {}): AnalysisOptions {
  const start = records.find((r) => r.type === 'run-start');
  const settings = start?.settings ?? {};
  const fromSettings = positive(settings.heapMaxBytes) ? settings.heapMaxBytes : positive(settings.gatewayHeapMb) ? settings.gatewayHeapMb * MiB : null;
  const option = overrides.heapMaxBytes ?? null;
  // Runs logged before --leak-margin leave it to the analysis default.
  const leakMarginFraction = overrides.leakMarginFraction ?? (positive(settings.leakMarginFraction) ? settings.leakMarginFraction : null);
  // A run whose traffic test looked after every repeat (`--load-repeats auto:MAX`) is analysed at the
  // levels that test used, so the verdict and the test's decision agree and α holds over the looks.
  const loadRepeats = settings.loadRepeats;
  const loadLooks = overrides.loadLooks ?? (typeof loadRepeats === 'object' ? loadRepeats.max + 1 : undefined);
  return {
    heapMaxBytes: option ?? fromSettings,
    ...(loadLooks === undefined ? {} : { loadLooks }),
    ...(option !== null ? { heapMaxSource: 'option' as const } : fromSettings !== null ? { heapMaxSource: 'run-settings' as const } : {}),
    deployPeakFactor: overrides.deployPeakFactor ?? null,
    leakMarginFraction,
  };
}
