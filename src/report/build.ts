/** report.json = the run's facts (from the log) + the analysis of its rounds. Pure. */
import { analyzeRounds, type Analysis } from '../analysis/analysis.js';
import { analysisOptionsOfRun } from '../analysis/run-settings.js';
import type { RunRecord } from '../run-log/records.js';
import { REPORT_SCHEMA_VERSION, runFactsOf, type RunFacts } from './report-json.js';

/** Everything in report.json; see docs/reports.md for each field. */
export type Report = Omit<RunFacts, 'rounds'> & Omit<Analysis, 'schemaVersion'> & { readonly analysisSchemaVersion: Analysis['schemaVersion'] };

/** The report of a run log, analysed with the options its settings imply (as `gwscale analyze RUN_DIR` does). */
export function buildReport(records: readonly RunRecord[]): Report {
  const { rounds, ...facts } = runFactsOf(records);
  const { schemaVersion: analysisSchemaVersion, ...analysis } = analyzeRounds(rounds, analysisOptionsOfRun(records));
  return { ...facts, schemaVersion: REPORT_SCHEMA_VERSION, analysisSchemaVersion, ...analysis };
}
