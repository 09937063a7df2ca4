/**
 * The sampler loop: reads a memory source at a fixed short interval while something runs (a deploy,
 * a traffic step) and keeps the peak. Each sample is handed to `onSample` as it is taken, so the run
 * log holds every one of them even if the gateway dies mid-deploy.
 */
import type { MemoryReading, MemorySource } from './source.js';

export interface SamplerSummary {
  /** Highest reading seen; null when no sample succeeded (the process died before the first). */
  readonly peakBytes: number | null;
  readonly samples: number;
  /** Readings that failed (e.g. the process was gone). */
  readonly failures: number;
}

export interface Sampler {
  /** Stops the loop after the sample in flight, and takes one last sample. */
  stop(): Promise<SamplerSummary>;
}

/**
 * Starts sampling `source` every `intervalMs` (one read in flight at a time; a slow read delays the
 * next instead of piling up).
 */
export function startSampler(source: MemorySource, intervalMs: number, onSample: (reading: MemoryReading) => void): Sampler {
  let peakBytes: number | null = null;
  let samples = 0;
  let failures = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const takeOne = async (): Promise<void> => {
    try {
      const reading = await source.read();
      samples++;
      if (peakBytes === null || reading.bytes > peakBytes) peakBytes = reading.bytes;
      onSample(reading);
    } catch {
      failures++;
    }
  };
  const tick = (): void => {
    inFlight = takeOne().then(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();

  return {
    async stop(): Promise<SamplerSummary> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      await takeOne();
      return { peakBytes, samples, failures };
    },
  };
}
