/**
 * Every file a run folder gets, rendered from its report: report.json, report.html, report.md and
 * rounds.csv. Pure: the API writes them. Nothing here reads a clock, so re-rendering a run log
 * gives the same bytes.
 */
import { roundsToCsv } from '../analysis/rounds-csv.js';
import { renderReportHtml } from './report-html.js';
import { renderReportMarkdown } from './report-md.js';
import type { Report } from './build.js';

/** File names in a run folder, by kind. */
export const RUN_FOLDER_FILES = { json: 'report.json', html: 'report.html', markdown: 'report.md', csv: 'rounds.csv' } as const;

export type RunFolderFileKind = keyof typeof RUN_FOLDER_FILES;

/** report.json's bytes: the report as indented JSON, one trailing newline. */
export function renderReportJson(report: unknown): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** The four renderings of a run, by kind. */
export function renderRunFolderFiles(report: Report): Record<RunFolderFileKind, string> {
  return {
    json: renderReportJson(report),
    html: renderReportHtml(report),
    markdown: renderReportMarkdown(report),
    // rounds.csv holds the measured columns only: `analyze --from-csv` recomputes roles and usage.
    csv: roundsToCsv(report.rounds),
  };
}
