/**
 * The hot-path accumulator of one measured phase: counts, errors by kind, in-flight high-water mark
 * and the latency histogram. Plain fields and no allocation per request.
 */
import { LatencyRecorder, type Histogram } from './latency-histogram.js';
import { emptyErrorCounts, type ErrorCounts, type TrafficErrorKind } from './result.js';

/** Counts of one phase on one thread; the generator engines update it per request. */
export class Tally {
  readonly #latency = new LatencyRecorder();
  readonly errors: ErrorCounts = emptyErrorCounts();
  sent = 0;
  completed = 0;
  ok = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** performance.now() of the first and last send (incl. drops), and of the last completion; -1 before any. */
  firstSendMs = -1;
  lastSendMs = -1;
  lastDoneMs = -1;

  /** A request goes on the wire at `nowMs`. */
  onSend(nowMs: number): void {
    if (this.firstSendMs < 0) this.firstSendMs = nowMs;
    this.lastSendMs = nowMs;
    this.sent++;
    if (++this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /** A scheduled request was not sent because the in-flight cap was reached. */
  onDrop(nowMs: number): void {
    if (this.firstSendMs < 0) this.firstSendMs = nowMs;
    this.lastSendMs = nowMs;
    this.errors.dropped++;
  }

  /**
   * A request finished at `nowMs`; latency runs from `fromMs` (the actual send in closed-loop modes,
   * the intended send in open-model modes). Connect failures carry no latency worth recording.
   */
  onDone(fromMs: number, nowMs: number, kind: TrafficErrorKind | null): void {
    this.inFlight--;
    this.completed++;
    this.lastDoneMs = nowMs;
    if (kind === null) this.ok++;
    else this.errors[kind]++;
    if (kind !== 'connect') {
      const us = Math.round((nowMs - fromMs) * 1000);
      this.#latency.record(us > 0 ? us : 1);
    }
  }

  /** The latencies recorded so far (microseconds). */
  get histogram(): Histogram {
    return this.#latency.histogram;
  }
}
