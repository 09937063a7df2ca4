import { describe, expect, it } from 'vitest';
import { assembleResult } from '../src/traffic/assemble.js';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  EXACT_BELOW_US,
  LatencyRecorder,
  mergeEncodedHistograms,
  summarizeLatency,
} from '../src/traffic/latency-histogram.js';
import type { PhaseOutcome } from '../src/traffic/phase.js';
import { emptyErrorCounts } from '../src/traffic/result.js';

/** Values 1..n ms in microseconds. */
function histogramOf(fromMs: number, toMs: number) {
  const h = createLatencyHistogram();
  for (let ms = fromMs; ms <= toMs; ms++) h.recordValue(ms * 1000);
  return h;
}

describe('latency histograms', () => {
  it('summarises known values (3 significant digits)', () => {
    const summary = summarizeLatency(histogramOf(1, 1000));
    expect(summary.count).toBe(1000);
    expect(summary.minMs).toBeCloseTo(1, 2);
    expect(summary.p50Ms).toBeGreaterThanOrEqual(499.5);
    expect(summary.p50Ms).toBeLessThanOrEqual(501);
    expect(summary.p99Ms).toBeGreaterThanOrEqual(989);
    expect(summary.p99Ms).toBeLessThanOrEqual(991);
    expect(summary.p999Ms).toBeGreaterThanOrEqual(998);
    expect(summary.maxMs).toBeGreaterThanOrEqual(999.5);
    expect(summary.maxMs).toBeLessThanOrEqual(1001);
    expect(summary.meanMs).toBeCloseTo(500.5, 0);
  });

  it('is all zero when empty', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({ count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 });
  });

  it('records through the front array exactly as recordValue would, however often it is read', () => {
    // Values either side of the exact range's edge, small ones many times, and a 30 s stall.
    let seed = 7;
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    // 0 and 1.5 are not what the tally passes; they go to the histogram as they did before.
    const values = [1, 2, 0, 1.5, EXACT_BELOW_US - 1, EXACT_BELOW_US, EXACT_BELOW_US + 1, 30_000_000];
    for (let i = 0; i < 20_000; i++) values.push(1 + Math.floor(random() ** 3 * 100_000));
    const direct = createLatencyHistogram();
    const recorder = new LatencyRecorder();
    values.forEach((us, i) => {
      direct.recordValue(us);
      recorder.record(us);
      // Reading part-way moves the counts in; what is recorded after is kept too.
      if (i % 5_000 === 0) expect(recorder.histogram.totalCount).toBe(i + 1);
    });
    expect(encodeHistogram(recorder.histogram)).toBe(encodeHistogram(direct));
    expect(encodeHistogram(recorder.histogram)).toBe(encodeHistogram(direct));
    expect(summarizeLatency(recorder.histogram)).toEqual(summarizeLatency(direct));
    expect(() => recorder.record(-1)).toThrow(/negative/);
  });

  it('survives an encode/decode round trip unchanged', () => {
    const original = histogramOf(1, 2000);
    original.recordValue(30_000_000); // a 30 s stall
    const encoded = encodeHistogram(original);
    expect(typeof encoded).toBe('string');
    expect(encoded).toMatch(/^[A-Za-z0-9+/=]+$/);
    const decoded = decodeHistogram(encoded);
    expect(decoded.totalCount).toBe(original.totalCount);
    expect(summarizeLatency(decoded)).toEqual(summarizeLatency(original));
  });

  it('merges encoded histograms into the histogram of all values', () => {
    const merged = mergeEncodedHistograms([encodeHistogram(histogramOf(1, 500)), encodeHistogram(histogramOf(501, 1000))]);
    expect(merged.totalCount).toBe(1000);
    expect(summarizeLatency(merged)).toEqual(summarizeLatency(histogramOf(1, 1000)));
  });

  it('merges thread outcomes into one result with summed counts', () => {
    const outcome = (from: number, to: number, sent: number): PhaseOutcome => ({
      startedAt: '2026-01-01T00:00:00.000Z',
      sent,
      completed: sent,
      ok: sent - 1,
      unfinished: 0,
      errors: { ...emptyErrorCounts(), 'http-5xx': 1 },
      maxInFlight: 4,
      histogram: encodeHistogram(histogramOf(from, to)),
      durationMs: 2000,
      sendWindowMs: 2000,
      stoppedBy: 'duration',
      warmup: { requests: 10, durationMs: 500 },
      thread: { eventLoopUtilization: 0.2, eventLoopDelayP99Ms: 1 },
      processCpuSeconds: 0.4,
    });
    const result = assembleResult({ mode: 'rate', targets: ['http://127.0.0.1:1/x'], connections: 8, workers: 2, requestedRatePerSec: 500 }, [
      outcome(1, 500, 500),
      outcome(501, 1000, 500),
    ]);
    expect(result.sent).toBe(1000);
    expect(result.ok).toBe(998);
    expect(result.errors['http-5xx']).toBe(2);
    expect(result.maxInFlight).toBe(8);
    expect(result.latency.count).toBe(1000);
    expect(result.throughputPerSec).toBe(500);
    expect(result.sendRatePerSec).toBe(500);
    expect(result.warmup).toEqual({ requests: 20, durationMs: 500 });
    expect(summarizeLatency(decodeHistogram(result.latencyHistogram))).toEqual(result.latency);
    expect(result.warnings.some((w) => w.includes('failed'))).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});
