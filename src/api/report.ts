/**
 * `gwscale report RUN_DIR`: (re)renders a run folder's reports from its run log alone. `gwscale run`
 * calls the same function when it finishes, so the two always agree byte for byte.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readRunLog, RUN_LOG_FILE } from '../driver/run-log.js';
import { buildReport, type Report } from '../report/build.js';
import { RUN_FOLDER_FILES, renderRunFolderFiles, type RunFolderFileKind } from '../report/run-folder-files.js';
import { inputError, messageOf } from '../errors.js';
import { applyCiGates, type CiFlags, type GateOutcome, type GateSubject } from '../report/ci-gates.js';

export { DEFAULT_FAIL_ON, FAIL_ON_CHOICES, validateCiFlags, type CiFlags } from '../report/ci-gates.js';
export { renderReportJson } from '../report/run-folder-files.js';

export interface ReportFiles {
  readonly report: Report;
  /** Paths written, by kind: json (report.json), html, markdown (report.md), csv (rounds.csv). */
  readonly files: Readonly<Record<RunFolderFileKind, string>>;
}

/** Writes one file, turning a failure into a one-line input error naming it. */
export function writeOutputFile(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw inputError(`${path}: cannot write (${messageOf(error)})`, 'check that the folder exists and is writable');
  }
}

/**
 * Reads `RUN_DIR/run.jsonl` and writes report.json, report.html, report.md and rounds.csv into
 * RUN_DIR. Backs `gwscale report RUN_DIR`; `gwscale run` calls it when it finishes.
 */
export function renderRunFolder(runDir: string): ReportFiles {
  const records = readRunLog(join(runDir, RUN_LOG_FILE));
  const report = buildReport(records);
  const texts = renderRunFolderFiles(report);
  const files = {} as Record<RunFolderFileKind, string>;
  for (const kind of Object.keys(RUN_FOLDER_FILES) as RunFolderFileKind[]) {
    files[kind] = join(runDir, RUN_FOLDER_FILES[kind]);
    writeOutputFile(files[kind], texts[kind]);
  }
  return { report, files };
}

/**
 * Applies the CI gates (--fail-on, --max-per-service) to a report or an analysis and writes the
 * JUnit XML when --junit was given. `gwscale run` and `gwscale analyze` end with its exit code.
 * @param suiteName e.g. `gwscale run reference/retain-configs`.
 */
export function gateReport(subject: GateSubject, flags: CiFlags, suiteName: string): GateOutcome & { readonly junitFile: string | null } {
  const outcome = applyCiGates(subject, flags, suiteName);
  if (flags.junit === undefined) return { ...outcome, junitFile: null };
  const junitFile = resolve(flags.junit);
  writeOutputFile(junitFile, outcome.junitXml);
  return { ...outcome, junitFile };
}
