/**
 * A bench's outcome as data: named figures checked against their targets, plus whatever the bench
 * measured. Formatting returns strings; only `writeResult` and the runner touch files or stdout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsDir } from './paths.js';

/** One figure against its target: `value <= target` or `value >= target`. */
export interface Check {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly comparator: '<=' | '>=';
  readonly target: number;
  readonly pass: boolean;
}

export interface BenchOutcome {
  /** File name stem under bench/results/. */
  readonly name: string;
  readonly checks: readonly Check[];
  /** Figures without a target, one line each (printed as `INFO`). */
  readonly info?: readonly string[];
  /** Everything measured, as written to bench/results/<name>.json. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Builds a check; NaN (nothing measured) never passes. */
export function check(name: string, value: number, comparator: '<=' | '>=', target: number, unit = ''): Check {
  const pass = Number.isFinite(value) && (comparator === '<=' ? value <= target : value >= target);
  return { name, value, unit, comparator, target, pass };
}

/** Rounds to `digits` significant digits, for printing and JSON (figures from a noisy machine). */
export function sig(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

/** `PASS  overhead ratio (harness ÷ gateway CPU)    0.162  ≤ 0.25` */
export function formatCheck(c: Check): string {
  const unit = c.unit === '' ? '' : ` ${c.unit}`;
  const sign = c.comparator === '<=' ? '≤' : '≥';
  return `${c.pass ? 'PASS' : 'FAIL'}  ${c.name.padEnd(58)} ${String(sig(c.value)).padStart(10)}${unit}  ${sign} ${c.target}${unit}`;
}

/** Writes bench/results/<name>.json (checks and data) and returns its path. */
export function writeResult(outcome: BenchOutcome, extra: Readonly<Record<string, unknown>> = {}): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${outcome.name}.json`);
  const body = { bench: outcome.name, ...extra, checks: outcome.checks, ...(outcome.info ? { info: outcome.info } : {}), ...outcome.data };
  writeFileSync(path, JSON.stringify(body, null, 2) + '\n');
  return path;
}

/** The lines a bench prints: its INFO figures, then one PASS/FAIL line per check. */
export function formatOutcome(outcome: BenchOutcome): string[] {
  return [...(outcome.info ?? []).map((line) => `INFO  ${line}`), ...outcome.checks.map(formatCheck)];
}

/** True when `moduleUrl` is the script node was started with (a bench run on its own). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(moduleUrl) === process.argv[1];
}

/** Runs one bench on its own: prints its lines, writes its JSON, exit code 1 on a FAIL. */
export async function runAlone(run: () => Promise<BenchOutcome>): Promise<void> {
  const outcome = await run();
  for (const line of formatOutcome(outcome)) console.log(line);
  console.log(`wrote ${writeResult(outcome)}`);
  if (outcome.checks.some((c) => !c.pass)) process.exitCode = 1;
}
