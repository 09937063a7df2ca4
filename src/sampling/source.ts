/**
 * A memory source reads one number about a gateway process and names what it measures, so every
 * number in a report can say where it came from.
 */
export interface MemoryReading {
  readonly bytes: number;
  /** Source name, e.g. `v8-heap-after-gc`, `rss`, `jvm-heap-after-gc`, `go-heap-inuse-after-gc`. */
  readonly source: string;
  /** True when the reading was taken right after a forced GC (a live-set reading). */
  readonly afterGc: boolean;
  /** Extra numbers the source saw at the same time (e.g. `metaspaceBytes`, `loadedClasses`, `goroutines`). */
  readonly extra?: Readonly<Record<string, number>>;
}

export interface MemorySource {
  /** Short stable name, used in reports (`memorySource`). */
  readonly name: string;
  /** One sentence: what the number is. */
  readonly measures: string;
  read(): Promise<MemoryReading>;
}
