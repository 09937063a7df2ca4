/**
 * `gwscale analyze [RUN_DIR] [--from-csv FILE]`: the growth-curve analysis and leak verdict of a
 * run folder's run log, or of measurements in a CSV. Reads the file here; everything after that
 * is the pure analysis in src/analysis/.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readRunLog, roundsOf, RUN_LOG_FILE } from '../driver/run-log.js';
import { inputError, messageOf, usageError } from '../errors.js';
import { analyzeRounds, type Analysis } from '../analysis/analysis.js';
import { parseRoundsCsv } from '../analysis/rounds-csv.js';
import { analysisOptionsOfRun } from '../analysis/run-settings.js';

/** The terminal text `gwscale analyze` prints. */
export { renderAnalysisText } from '../report/analysis-text.js';

export interface AnalyzeInput {
  /** A folder written by `gwscale run` (or its run.jsonl). */
  readonly runDir?: string;
  /** A rounds CSV (see docs/analysis.md). */
  readonly fromCsv?: string;
  /** Heap max in bytes; for run logs it defaults to the run's heap setting. */
  readonly heapMaxBytes?: number | null;
  /** Peak memory during a deploy ÷ memory before it, for data without peak samples. */
  readonly deployPeakFactor?: number | null;
  /** Healthy margin per deploy as a fraction of memory (0.0025 = 0.25 %); for run logs it defaults to the run's `--leak-margin`. */
  readonly leakMarginFraction?: number | null;
}

export interface AnalyzeOutput {
  readonly analysis: Analysis;
  /** The file read. */
  readonly source: string;
}

function runLogPath(runDir: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(runDir).isDirectory();
  } catch (error) {
    throw inputError(`${runDir}: cannot read (${messageOf(error)})`, 'pass a run folder written by `gwscale run`, or --from-csv FILE');
  }
  return isDir ? join(runDir, RUN_LOG_FILE) : runDir;
}

/** Analyses a run folder or a CSV. Backs `gwscale analyze`. @throws GwscaleError (usage, input). */
export function analyze(input: AnalyzeInput): AnalyzeOutput {
  if ((input.runDir === undefined) === (input.fromCsv === undefined)) {
    throw usageError('give either a RUN_DIR or --from-csv FILE', 'e.g. gwscale analyze runs/2024-06-01 or gwscale analyze --from-csv field.csv');
  }
  if (input.fromCsv !== undefined) {
    let text: string;
    try {
      text = readFileSync(input.fromCsv, 'utf8');
    } catch (error) {
      throw inputError(`${input.fromCsv}: cannot read the CSV (${messageOf(error)})`);
    }
    const rounds = parseRoundsCsv(text, input.fromCsv);
    const analysis = analyzeRounds(rounds, {
      heapMaxBytes: input.heapMaxBytes ?? null,
      heapMaxSource: 'option',
      deployPeakFactor: input.deployPeakFactor ?? null,
      leakMarginFraction: input.leakMarginFraction ?? null,
    });
    return { analysis, source: input.fromCsv };
  }
  const path = runLogPath(input.runDir as string);
  const records = readRunLog(path);
  const rounds = roundsOf(records);
  if (rounds.length === 0) throw inputError(`${path}: the run log holds no measurement rows yet`, 'let the run finish at least one round');
  const options = analysisOptionsOfRun(records, {
    heapMaxBytes: input.heapMaxBytes ?? null,
    deployPeakFactor: input.deployPeakFactor ?? null,
    leakMarginFraction: input.leakMarginFraction ?? null,
  });
  return { analysis: analyzeRounds(rounds, options), source: path };
}
