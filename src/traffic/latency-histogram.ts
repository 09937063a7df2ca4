/**
 * Latency histograms: HDR (hdr-histogram-js) in microseconds, 3 significant digits, so p99.9 of a
 * 1 ms answer and the max of a 30 s stall are both exact to 0.1%. Encoded as compressed base64 for
 * JSON results and worker messages; decoded and added to merge.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './result.js';

export type { Histogram } from 'hdr-histogram-js';

/** One hour in microseconds: the histogram grows beyond it if needed (autoResize). */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

/** An empty latency histogram (values in microseconds). */
export function createLatencyHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
  });
}

/**
 * Latencies below this many microseconds go through `LatencyRecorder`'s plain array: most answers
 * on loopback or a LAN, for 8 KiB. Any size gives the same histogram, since each value is moved in
 * as itself.
 */
export const EXACT_BELOW_US = 2048;

/**
 * Records latencies into a histogram built by `createLatencyHistogram`, for the generator's hot path.
 * Whole values below `EXACT_BELOW_US` are counted in a plain array and moved in (value, count) when
 * the histogram is read, which leaves it exactly as if each had been recorded: hdr-histogram-js's `recordValue`
 * computes a log2 and two pows per value, about 1.8 % of the burst generator's CPU on loopback
 * (perf, docs/performance.md), where most answers take well under 2 ms.
 */
export class LatencyRecorder {
  readonly #histogram: Histogram = createLatencyHistogram();
  readonly #exact = new Uint32Array(EXACT_BELOW_US);
  #pending = false;

  /** Records one latency in microseconds (a whole number, at least 1, as the tally passes). */
  record(us: number): void {
    // Anything but a whole number in range goes to the histogram itself, which rejects or rounds it as before.
    if (us >= 0 && us < EXACT_BELOW_US && (us | 0) === us) {
      this.#exact[us] = (this.#exact[us] as number) + 1;
      this.#pending = true;
    } else this.#histogram.recordValue(us);
  }

  /** Every value recorded so far. */
  get histogram(): Histogram {
    if (this.#pending) {
      const exact = this.#exact;
      for (let us = 0; us < EXACT_BELOW_US; us++) {
        const count = exact[us] as number;
        if (count > 0) this.#histogram.recordValueWithCount(us, count);
      }
      exact.fill(0);
      this.#pending = false;
    }
    return this.#histogram;
  }
}

/** Serialises a histogram to the compressed base64 form used in results. */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Reads a histogram written by `encodeHistogram` (or any HdrHistogram V2 compressed base64). */
export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds encoded histograms into one; the inputs are not changed. */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const merged = createLatencyHistogram();
  for (const item of encoded) merged.add(decodeHistogram(item));
  return merged;
}

const usToMs = (us: number): number => Math.round(us) / 1000;

/**
 * Percentiles (ms) of a histogram in microseconds; all zero when it is empty. Min and max are read
 * as percentiles 0 and 100 (bucket bounds), so a histogram and its decoded copy summarise the same.
 */
export function summarizeLatency(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
  return {
    count,
    minMs: usToMs(histogram.getValueAtPercentile(0)),
    meanMs: usToMs(histogram.mean),
    p50Ms: usToMs(histogram.getValueAtPercentile(50)),
    p90Ms: usToMs(histogram.getValueAtPercentile(90)),
    p99Ms: usToMs(histogram.getValueAtPercentile(99)),
    p999Ms: usToMs(histogram.getValueAtPercentile(99.9)),
    maxMs: usToMs(histogram.getValueAtPercentile(100)),
  };
}
