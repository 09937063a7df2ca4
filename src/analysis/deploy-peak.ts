/**
 * Deploy peak factor: memory needed at the peak of a deploy ÷ memory in use before it. A deploy that
 * briefly needs twice the memory in use fails at half the heap; the out-of-memory prediction needs
 * this factor, on the same kind of memory it projects (the live set read after GC):
 * - peaks sampled on the heap (`peakSource: 'heap'`, V8/JVM/Go): peak ÷ heap before the deploy;
 * - peaks sampled as RSS (or, for targets measured as a process tree, as the tree's PSS,
 *   `peakSource: 'pss-tree'`): 1 + (peak − the same before the deploy) ÷ the live memory before it
 *   (the previous reading), so an RSS that never shrinks does not pass for a deploy's need.
 *
 * A heap-sampled deploy does not start from the previous reading: registering the round's services
 * adds heap first (the new entries and what registering them left behind). On the reference
 * gateway that is 6–10 MiB a round of 50 on 15–76 MiB, and leaving it out put the predicted crash a
 * round late (450 against a real crash at 400). So the heap case also measures the registration
 * growth per service, (heap before the deploy − the previous reading) ÷ services added, and the
 * prediction applies the factor to the previous reading plus that growth. RSS-sampled peaks need
 * no such term: their factor already starts from the previous reading's live memory.
 */
import type { Round } from '../run-log/round.js';
import { median } from './order-statistics.js';

export type PeakFactorSource = 'measured' | 'option' | 'assumed';

export interface DeployPeakFactor {
  /** The factor the prediction uses. */
  readonly value: number;
  /** `option` (--deploy-peak-factor), `measured` (median over deploys), or `assumed` (1: no peaks and no option). */
  readonly source: PeakFactorSource;
  /** What the rows show, even when the option overrides it. */
  readonly measured: {
    readonly median: number;
    readonly min: number;
    readonly max: number;
    readonly deploys: number;
    readonly rows: readonly number[];
    /** Every deploy's factor, in row order (the prediction interval resamples them). */
    readonly factors: readonly number[];
    /** `heap` when every peak was sampled on the heap, `rss` when every one was RSS, else `mixed`. */
    readonly kind: 'heap' | 'rss' | 'mixed';
  } | null;
  readonly note: string;
  /**
   * Heap a round's registration adds before its deploy starts, per service added (heap-sampled
   * rounds only; null when none was measured).
   */
  readonly registration: {
    /** Median over the rounds, never below zero. */
    readonly perServiceBytes: number;
    /** Every round's growth per service, in row order (the prediction interval resamples them). */
    readonly samples: readonly number[];
  } | null;
}

/**
 * Heap one round's registration added before its deploy, per service added: null unless the peak
 * was sampled on the heap, the round added services and the previous reading, of the same kind of
 * memory, is there to compare.
 */
function registrationGrowthOf(row: Round, previous: Round | undefined): number | null {
  if (row.event !== 'round' || row.peakSource !== 'heap' || row.preDeployBytes === null) return null;
  if (previous === undefined || previous.memorySource !== row.memorySource) return null;
  const added = row.services - previous.services;
  if (added <= 0 || previous.memoryBytes <= 0) return null;
  return (row.preDeployBytes - previous.memoryBytes) / added;
}

/** One deploy's factor; null when the row has no peak or nothing to compare it with. */
export function peakFactorOf(row: Round, previous: Round | undefined): number | null {
  if (row.peakBytes === null || (row.event !== 'round' && row.event !== 'redeploy')) return null;
  const heap = row.peakSource === 'heap';
  if (row.preDeployBytes !== null && row.preDeployBytes > 0) {
    if (heap) return row.peakBytes / row.preDeployBytes;
    const live = previous !== undefined && previous.memoryBytes > 0 ? previous.memoryBytes : row.preDeployBytes;
    return 1 + Math.max(0, row.peakBytes - row.preDeployBytes) / live;
  }
  if (previous === undefined) return null;
  // Older logs and CSVs: compare with RSS, or with memory when the rows' memory is the same kind.
  if (!heap && previous.rssBytes !== null && previous.rssBytes > 0 && row.memorySource !== 'csv')
    return 1 + Math.max(0, row.peakBytes - previous.rssBytes) / previous.memoryBytes;
  if (previous.memorySource === row.memorySource && previous.memoryBytes > 0) return row.peakBytes / previous.memoryBytes;
  return null;
}

/** `RSS`, or `process-tree PSS` when every non-heap peak was sampled that way. */
function rssKind(rounds: readonly Round[]): string {
  const peaks = rounds.filter((r) => r.peakBytes !== null && r.peakSource !== 'heap');
  return peaks.length > 0 && peaks.every((r) => r.peakSource === 'pss-tree') ? 'process-tree PSS' : 'RSS';
}

export function estimateDeployPeakFactor(rounds: readonly Round[], option: number | null): DeployPeakFactor {
  const factors: { f: number; index: number; heap: boolean }[] = [];
  const growth: number[] = [];
  rounds.forEach((row, i) => {
    const f = peakFactorOf(row, rounds[i - 1]);
    if (f !== null && Number.isFinite(f)) factors.push({ f, index: row.index, heap: row.peakSource === 'heap' });
    const g = registrationGrowthOf(row, rounds[i - 1]);
    if (g !== null && Number.isFinite(g)) growth.push(g);
  });
  const registration = growth.length === 0 ? null : { perServiceBytes: Math.max(0, median(growth)), samples: growth };
  const values = factors.map((x) => x.f);
  const kind: 'heap' | 'rss' | 'mixed' = factors.every((x) => x.heap) ? 'heap' : factors.every((x) => !x.heap) ? 'rss' : 'mixed';
  const measured =
    factors.length > 0
      ? {
          median: median(values),
          min: Math.min(...values),
          max: Math.max(...values),
          deploys: factors.length,
          rows: factors.map((x) => x.index),
          factors: values,
          kind,
        }
      : null;
  if (option !== null) return { value: option, source: 'option', measured, registration, note: 'given with --deploy-peak-factor' };
  if (measured !== null) {
    const how =
      measured.kind === 'heap'
        ? 'heap peak ÷ heap before the deploy'
        : measured.kind === 'rss'
          ? `1 + ${rssKind(rounds)} rise during the deploy ÷ live memory before it`
          : 'heap peaks where sampled, RSS rises elsewhere';
    return { value: measured.median, source: 'measured', measured, registration, note: `median over ${measured.deploys} deploys of ${how}` };
  }
  return {
    value: 1,
    source: 'assumed',
    measured: null,
    registration,
    note: 'no peak samples and no --deploy-peak-factor: assumed 1 (the deploy needs no more than memory in use)',
  };
}
