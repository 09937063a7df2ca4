/**
 * A measurement row: what the analysis reads, what `report.json` lists as `rounds[]` and what
 * `rounds.csv` holds. Built by the driver from the run log, or read from a user's CSV.
 */
export type RoundEvent = 'round' | 'restart' | 'redeploy' | 'load' | 'crash';

/** What a deploy's peak was sampled on (see `Round.peakSource`). */
export type PeakSource = 'heap' | 'rss' | 'pss-tree';

export interface Round {
  /** 0-based position in time order. */
  readonly index: number;
  readonly event: RoundEvent;
  /** Services registered (and deployed) when the row was measured. */
  readonly services: number;
  /**
   * Memory the verdict uses, in bytes: the live set (heap after a forced GC) where the target allows
   * it, else RSS. `memorySource` says which.
   */
  readonly memoryBytes: number;
  /**
   * Every reading taken at this point (`--readings K`, a few hundred ms apart, each after its own
   * forced GC), in order. `memoryBytes` is their mean. Absent or of length 1 for a single reading.
   * Their scatter is the run's pure measurement error (the lack-of-fit test reads it).
   */
  readonly readingsBytes?: readonly number[];
  /** e.g. `v8-heap-after-gc`, `jvm-heap-after-gc`, `go-heap-inuse-after-gc`, `rss`, `csv`. */
  readonly memorySource: string;
  /** True when `memoryBytes` was read after a forced GC (no garbage in it). */
  readonly afterGc: boolean;
  /** Resident set size of the gateway process after the round; null when not measured. */
  readonly rssBytes: number | null;
  /** Highest memory seen while the deploy ran (sampled at a short interval); null when not measured. */
  readonly peakBytes: number | null;
  /**
   * What `peakBytes` and `preDeployBytes` measure: `heap` (heap in use, the same kind of memory as
   * `memoryBytes` — V8, JVM, Go), `rss` of the gateway process, or `pss-tree` (PSS of its whole
   * process tree, for targets measured that way). Absent means `rss` (runs logged before this field).
   */
  readonly peakSource?: PeakSource;
  /** Same measure as `peakBytes`, read just before the deploy started; the base of the deploy peak factor. */
  readonly preDeployBytes: number | null;
  /** Time spent registering this round's new services. */
  readonly registerMs: number | null;
  /** Time the deploy call took. */
  readonly deployMs: number | null;
  /** Wall time of the whole round (register + deploy + settle + measure). */
  readonly elapsedMs: number | null;
  /** For `load` rows: the highest in-flight request count reached in the traffic step. */
  readonly concurrency: number | null;
  /**
   * For `load` rows: requests the traffic step completed. A leak per request grows with these, not
   * with the concurrency (a saturated gateway serves as many at 40 clients as at 80). Absent in runs
   * logged before this field and in CSVs without the column.
   */
  readonly requests?: number;
  /** True for the first row measured after `gwscale run --resume`. */
  readonly resumed?: boolean;
  /**
   * Other numbers the memory source read at the same time, by name: `metaspaceBytes`,
   * `loadedClasses`, `unloadedClasses` (JVM), `goroutines` (Go), `heapTotalBytes` (V8)…
   */
  readonly extra?: Readonly<Record<string, number>>;
}

/**
 * `Round.memoryBytes` of a point read `readings.length` times: their mean, to the whole byte. The
 * driver and the CSV import both call it, so a written `rounds.csv` reads back to the same rows.
 */
export function meanOfReadings(readings: readonly number[]): number {
  if (readings.length === 0) throw new RangeError('a measurement point needs at least one reading');
  let sum = 0;
  for (const r of readings) sum += r;
  return Math.round(sum / readings.length);
}
