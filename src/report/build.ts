/** report.json = the run's facts (from the log) + the analysis of its rounds. Pure. */
import type { RunRecord } from '../driver/records.js';
import { runFactsOf, type RunFacts } from './report-json.js';

export type Report = RunFacts;

export function buildReport(records: readonly RunRecord[]): Report {
  return runFactsOf(records);
}
