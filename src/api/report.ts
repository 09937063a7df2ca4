/**
 * `gwscale report RUN_DIR`: (re)renders a run folder's reports from its run log alone. `gwscale run`
 * calls the same function when it finishes, so the two always agree byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog, RUN_LOG_FILE } from '../driver/run-log.js';
import { buildReport, type Report } from '../report/build.js';

export interface ReportFiles {
  readonly report: Report;
  /** Paths written, by kind. */
  readonly files: Readonly<Record<string, string>>;
}

/** Reads `RUN_DIR/run.jsonl`, writes report.json (and the other renderings) into RUN_DIR. */
export function renderRunFolder(runDir: string): ReportFiles {
  const records = readRunLog(join(runDir, RUN_LOG_FILE));
  const report = buildReport(records);
  const files: Record<string, string> = { json: join(runDir, 'report.json') };
  writeFileSync(files.json as string, JSON.stringify(report, null, 2) + '\n');
  return { report, files };
}
