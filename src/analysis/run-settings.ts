/** Analysis options a run log implies: the heap max the run set (`heapMaxBytes`, else `gatewayHeapMb`). Pure. */
import type { RunRecord } from '../run-log/records.js';
import { MiB } from '../units.js';
import type { AnalysisOptions } from './analysis.js';

/**
 * Options for `analyzeRounds` from a run log, with the caller's overrides winning (e.g. --heap-max).
 */
export function analysisOptionsOfRun(records: readonly RunRecord[], overrides: AnalysisOptions = {}): AnalysisOptions {
  const start = records.find((r) => r.type === 'run-start');
  const settings = start?.settings ?? {};
  const fromSettings =
    typeof settings.heapMaxBytes === 'number' && settings.heapMaxBytes > 0
      ? settings.heapMaxBytes
      : typeof settings.gatewayHeapMb === 'number' && settings.gatewayHeapMb > 0
        ? settings.gatewayHeapMb * MiB
        : null;
  const option = overrides.heapMaxBytes ?? null;
  return {
    heapMaxBytes: option ?? fromSettings,
    heapMaxSource: option !== null ? 'option' : fromSettings !== null ? 'run-settings' : undefined,
    deployPeakFactor: overrides.deployPeakFactor ?? null,
  };
}
