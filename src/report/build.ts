/** report.json = the run's facts (from the log) + the analysis of its rounds. Pure. */
import { analyzeRounds, type Analysis } from '../analysis/analysis.js';
import { analysisOptionsOfRun } from '../analysis/run-settings.js';
import type { RunRecord } from '../run-log/records.js';
import { REPORT_SCHEMA_VERSION, runFactsOf, type RunFacts } from './report-json.js';
import { nodeVerdictsOf, type NodeVerdict } from './node-verdicts.js';

/** Everything in report.json; see docs/reports.md for each field. */
export type Report = Omit<RunFacts, 'rounds'> &
  Omit<Analysis, 'schemaVersion'> & {
    readonly analysisSchemaVersion: Analysis['schemaVersion'];
    /** Several memory nodes (a cluster): each analysed on its own; the verdict above is the sum's. Empty for one node. */
    readonly nodes: readonly NodeVerdict[];
  };

/** The report of a run log, analysed with the options its settings imply (as `gwscale analyze RUN_DIR` does). */
export function buildReport(records: readonly RunRecord[]): Report {
  const { rounds, ...facts } = runFactsOf(records);
  const options = analysisOptionsOfRun(records);
  const { schemaVersion: analysisSchemaVersion, ...analysis } = analyzeRounds(rounds, options);
  return { ...facts, schemaVersion: REPORT_SCHEMA_VERSION, analysisSchemaVersion, ...analysis, nodes: nodeVerdictsOf(rounds, options) };
}
