/**
 * `gwscale compare RUN_A RUN_B`: compares a candidate run (B) against a baseline (A), writes
 * compare.html, and returns the comparison and its exit code.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readRunLog, RUN_LOG_FILE } from '../driver/run-log.js';
import { inputError, messageOf } from '../errors.js';
import { buildReport } from '../report/build.js';
import type { CiFlags } from '../report/ci-gates.js';
import { compareReports, DEFAULT_THRESHOLDS, type ComparedReport, type Comparison, type CompareThresholds } from '../report/compare.js';
import { applyCompareGates, type CompareGateOutcome } from '../report/compare-gates.js';
import { renderCompareHtml } from '../report/compare-html.js';
import { parseReportJson } from '../report/report-file.js';
import { RUN_FOLDER_FILES } from '../report/run-folder-files.js';
import { writeOutputFile } from './report.js';

export { renderCompareMarkdown, renderCompareText } from '../report/compare-md.js';

export const COMPARE_HTML_FILE = 'compare.html';

export interface CompareOptions extends Partial<CompareThresholds>, Partial<Pick<CiFlags, 'failOn' | 'maxPerService' | 'junit'>> {
  /** Folder for compare.html [default: B's run folder, or the folder of B's report.json]. */
  readonly out?: string;
}

export interface LoadedReport {
  readonly report: ComparedReport;
  /** The path as given. */
  readonly source: string;
  /** The run folder (or the folder holding the report file). */
  readonly folder: string;
}

export interface CompareResult {
  readonly comparison: Comparison;
  readonly a: LoadedReport;
  readonly b: LoadedReport;
  readonly gate: CompareGateOutcome;
  /** Paths written: html (compare.html), junit when asked. */
  readonly files: { readonly html: string; readonly junit?: string };
}

/**
 * Loads a run for comparison: a run folder (its run.jsonl, analysed by this gwscale, so both sides
 * are analysed alike; else its report.json), a run.jsonl, or a report.json.
 */
export function loadReport(path: string): LoadedReport {
  const full = resolve(path);
  if (!existsSync(full)) throw inputError(`${path}: no such file or folder`, 'pass a run folder written by `gwscale run`, or its report.json');
  if (statSync(full).isDirectory()) {
    if (existsSync(join(full, RUN_LOG_FILE))) return { report: buildReport(readRunLog(join(full, RUN_LOG_FILE))), source: path, folder: full };
    const json = join(full, RUN_FOLDER_FILES.json);
    if (existsSync(json)) return { report: parseReportJson(readText(json), json), source: path, folder: full };
    throw inputError(`${path}: holds neither ${RUN_LOG_FILE} nor ${RUN_FOLDER_FILES.json}`, 'pass a run folder written by `gwscale run`, or a report.json');
  }
  if (full.endsWith('.jsonl')) return { report: buildReport(readRunLog(full)), source: path, folder: dirname(full) };
  return { report: parseReportJson(readText(full), path), source: path, folder: dirname(full) };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw inputError(`${path}: cannot read (${messageOf(error)})`);
  }
}

/** Compares B against A and writes compare.html (and JUnit XML when asked). Backs `gwscale compare`. */
export function compareRuns(pathA: string, pathB: string, options: CompareOptions = {}): CompareResult {
  const a = loadReport(pathA);
  const b = loadReport(pathB);
  const thresholds: CompareThresholds = {
    maxRegression: options.maxRegression ?? DEFAULT_THRESHOLDS.maxRegression,
    noiseFloor: options.noiseFloor ?? DEFAULT_THRESHOLDS.noiseFloor,
  };
  const comparison = compareReports(a.report, b.report, thresholds);
  const gate = applyCompareGates(comparison, b.report, {
    failOn: options.failOn ?? [],
    ...(options.maxPerService === undefined ? {} : { maxPerService: options.maxPerService }),
  });
  const outDir = options.out === undefined ? b.folder : resolve(options.out);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw inputError(`${outDir}: cannot create the folder (${messageOf(error)})`, 'pass a writable folder with --out');
  }
  const html = join(outDir, COMPARE_HTML_FILE);
  writeOutputFile(html, renderCompareHtml(comparison, a.report, b.report, { a: a.source, b: b.source }));
  let junit: string | undefined;
  if (options.junit !== undefined) {
    junit = resolve(options.junit);
    writeOutputFile(junit, gate.junitXml);
  }
  return { comparison, a, b, gate, files: junit === undefined ? { html } : { html, junit } };
}
