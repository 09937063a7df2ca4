/** report.json = the run's facts (from the log) + the analysis of its rounds. Pure. */
import { analyzeRounds, type Analysis, type AnalysisOptions } from '../analysis/analysis.js';
import type { RunRecord } from '../run-log/records.js';
import { MiB } from '../units.js';
import { REPORT_SCHEMA_VERSION, runFactsOf, type RunFacts } from './report-json.js';

/** Everything in report.json; see docs/reports.md for each field. */
export type Report = Omit<RunFacts, 'rounds'> & Omit<Analysis, 'schemaVersion'> & { readonly analysisSchemaVersion: Analysis['schemaVersion'] };

/** Heap limit for the prediction: `--heap-max` given to the run, else the gateway heap it was started with. */
function heapMaxOf(settings: Readonly<Record<string, unknown>>): Pick<AnalysisOptions, 'heapMaxBytes' | 'heapMaxSource'> {
  if (typeof settings.heapMaxBytes === 'number') return { heapMaxBytes: settings.heapMaxBytes, heapMaxSource: 'option' };
  if (typeof settings.gatewayHeapMb === 'number') return { heapMaxBytes: settings.gatewayHeapMb * MiB, heapMaxSource: 'run-settings' };
  return { heapMaxBytes: null };
}

export function buildReport(records: readonly RunRecord[]): Report {
  const { rounds, ...facts } = runFactsOf(records);
  const { schemaVersion: analysisSchemaVersion, ...analysis } = analyzeRounds(rounds, heapMaxOf(facts.settings));
  return { ...facts, schemaVersion: REPORT_SCHEMA_VERSION, analysisSchemaVersion, ...analysis };
}
