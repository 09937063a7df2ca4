/**
 * Deploy peak factor: peak memory during a deploy ÷ memory just before it. A deploy that briefly
 * needs twice the memory in use fails at half the heap; the OOM prediction needs this factor.
 */
import type { Round } from './round.js';
import { median } from './order-statistics.js';

export type PeakFactorSource = 'measured' | 'option' | 'assumed';

export interface DeployPeakFactor {
  /** The factor the prediction uses. */
  readonly value: number;
  /** `option` (--deploy-peak-factor), `measured` (median over deploys), or `assumed` (1: no peaks and no option). */
  readonly source: PeakFactorSource;
  /** What the rows show, even when the option overrides it. */
  readonly measured: { readonly median: number; readonly min: number; readonly max: number; readonly deploys: number; readonly rows: readonly number[] } | null;
  /** How the base was taken: `preDeployBytes`, else the previous row's memory in the same measure. */
  readonly note: string;
}

/** The reading a row's peak is compared with; null when no reading in the same measure exists. */
export function peakBaseOf(row: Round, previous: Round | undefined): number | null {
  if (row.preDeployBytes !== null && row.preDeployBytes > 0) return row.preDeployBytes;
  if (previous === undefined) return null;
  // Peaks are RSS samples: compare with RSS, or with memory when the rows' memory is the same kind.
  if (previous.rssBytes !== null && previous.rssBytes > 0 && row.memorySource !== 'csv') return previous.rssBytes;
  if (previous.memorySource === row.memorySource && previous.memoryBytes > 0 && (row.memorySource === 'csv' || row.memorySource === 'rss')) return previous.memoryBytes;
  return null;
}

export function estimateDeployPeakFactor(rounds: readonly Round[], option: number | null): DeployPeakFactor {
  const factors: { f: number; index: number }[] = [];
  rounds.forEach((row, i) => {
    if (row.peakBytes === null || (row.event !== 'round' && row.event !== 'redeploy')) return;
    const base = peakBaseOf(row, rounds[i - 1]);
    if (base !== null) factors.push({ f: row.peakBytes / base, index: row.index });
  });
  const values = factors.map((x) => x.f);
  const measured =
    factors.length > 0
      ? { median: median(values), min: Math.min(...values), max: Math.max(...values), deploys: factors.length, rows: factors.map((x) => x.index) }
      : null;
  if (option !== null) return { value: option, source: 'option', measured, note: 'given with --deploy-peak-factor' };
  if (measured !== null) return { value: measured.median, source: 'measured', measured, note: `median over ${measured.deploys} deploys of peak ÷ memory before the deploy` };
  return { value: 1, source: 'assumed', measured: null, note: 'no peak samples and no --deploy-peak-factor: assumed 1 (the deploy needs no more than memory in use)' };
}
