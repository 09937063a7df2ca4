/** The exit code a verdict gives (for a leak detector the exit code is the product). */
import { ExitCode } from '../exit-codes.js';
import type { VerdictKind } from './verdict.js';

/** 3 for leak, 4 for concurrency retention, 0 for healthy, bounded retention and inconclusive. */
export function exitCodeOfVerdict(kind: VerdictKind): ExitCode {
  if (kind === 'leak') return ExitCode.Leak;
  if (kind === 'concurrency-retention') return ExitCode.ConcurrencyRetention;
  return ExitCode.Ok;
}
