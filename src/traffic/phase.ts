/**
 * What one sending thread measured in one phase, before threads are merged into a `TrafficResult`.
 * Serialisable (the histogram is encoded) so worker threads can post it.
 */
import { encodeHistogram } from './latency-histogram.js';
import type { ThreadHeadroom } from './headroom.js';
import type { ErrorCounts, StopReason, WarmupReport } from './result.js';
import type { Tally } from './tally.js';

/** Warm-up before measuring: a number of requests or a time, whichever the user gave. */
export type WarmupPlan = { readonly requests: number } | { readonly durationMs: number };

/** What one thread measured in one phase; merged by `assembleResult`. */
export interface PhaseOutcome {
  readonly startedAt: string;
  readonly sent: number;
  readonly completed: number;
  readonly ok: number;
  readonly unfinished: number;
  readonly errors: ErrorCounts;
  readonly maxInFlight: number;
  /** Encoded latency histogram (µs). */
  readonly histogram: string;
  /** First send to the last answer waited for. */
  readonly durationMs: number;
  /** First to last send (incl. drops) plus one send interval; 0 when nothing was sent. */
  readonly sendWindowMs: number;
  readonly stoppedBy: StopReason;
  readonly warmup: WarmupReport;
  readonly thread: ThreadHeadroom;
  /** Process CPU (all threads) over this phase, seconds. */
  readonly processCpuSeconds: number;
}

/** Freezes a tally into an outcome. `endMs` is when the phase stopped waiting for answers. */
export function outcomeOf(
  tally: Tally,
  context: {
    readonly startedAt: string;
    readonly startMs: number;
    readonly endMs: number;
    readonly sendIntervalMs: number;
    readonly stoppedBy: StopReason;
    readonly warmup: WarmupReport;
    readonly thread: ThreadHeadroom;
    readonly processCpuSeconds: number;
  },
): PhaseOutcome {
  const sendWindowMs = tally.firstSendMs < 0 ? 0 : tally.lastSendMs - tally.firstSendMs + context.sendIntervalMs;
  return {
    startedAt: context.startedAt,
    sent: tally.sent,
    completed: tally.completed,
    ok: tally.ok,
    unfinished: tally.inFlight,
    errors: { ...tally.errors },
    maxInFlight: tally.maxInFlight,
    histogram: encodeHistogram(tally.histogram),
    durationMs: Math.max(0, context.endMs - context.startMs),
    sendWindowMs: Math.max(0, sendWindowMs),
    stoppedBy: context.stoppedBy,
    warmup: context.warmup,
    thread: context.thread,
    processCpuSeconds: context.processCpuSeconds,
  };
}
