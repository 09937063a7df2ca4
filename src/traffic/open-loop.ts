/**
 * Open-model sending (`rate`, `soak`, each `find-max` step): requests arrive on a fixed schedule,
 * request k at `start + k / rate`, however slow the answers are. Latency runs from the intended
 * send time, so a stall is not hidden by the generator waiting for it (no coordinated omission).
 * A cap on requests in flight turns overload into counted `dropped` errors, never into a slower schedule.
 */
import { performance } from 'node:perf_hooks';
import { cpuSecondsSince, watchThread } from './headroom.js';
import { createLatencyHistogram, summarizeLatency, type Histogram } from './latency-histogram.js';
import { outcomeOf, type PhaseOutcome, type WarmupPlan } from './phase.js';
import { errorTotal, type StopReason, type TrafficErrorKind } from './result.js';
import type { MessageSender } from './sender.js';
import { Tally } from './tally.js';

/** Numbers of one progress interval (soak lines). */
export interface IntervalReading {
  readonly index: number;
  readonly elapsedMs: number;
  readonly intervalMs: number;
  readonly completed: number;
  readonly errors: number;
  /** Latency of the answers that came in this interval (µs). */
  readonly histogram: Histogram;
  readonly inFlight: number;
}

/** What an open-model phase runs: the sender, the arrival rate and the bounds. */
export interface OpenLoopPlan {
  /** An initialised sender (usually a pool of `connections`). */
  readonly sender: MessageSender;
  readonly ratePerSec: number;
  /** Measured requests to schedule; null = until the duration ends. */
  readonly requests: number | null;
  readonly durationMs: number;
  readonly warmup: WarmupPlan | null;
  /** Requests allowed in flight at once; a scheduled request beyond it is dropped and counted. */
  readonly maxInFlight: number;
  readonly graceMs: number;
  readonly signal?: AbortSignal;
  /** Called every `intervalMs` of the measured phase (soak progress). */
  readonly onInterval?: (reading: IntervalReading) => void;
  readonly intervalMs?: number;
  /** Offset of this thread's schedule, in send intervals (spreads worker threads' sends). */
  readonly phaseOffset?: number;
}

/** Runs warm-up and one measured phase on an arrival schedule. */
export function runOpenLoop(plan: OpenLoopPlan): Promise<PhaseOutcome> {
  return new Promise((resolve) => {
    const intervalMs = 1000 / plan.ratePerSec;
    const warmup = plan.warmup;
    let measuring = warmup === null;
    let done = false;
    let inFlight = 0;
    let tally = new Tally();
    const warmupTally: Tally | null = measuring ? null : tally;
    const scheduleStartMs = performance.now() + (plan.phaseOffset ?? 0) * intervalMs;
    let k = 0;
    let nextMs = scheduleStartMs;
    // Warm-up by count is bounded by time too: never longer than the measured phase.
    const warmupEndMs = warmup !== null && 'durationMs' in warmup ? scheduleStartMs + warmup.durationMs : scheduleStartMs + plan.durationMs;
    let measureStartMs = measuring ? scheduleStartMs : Infinity;
    let measureStartK = 0;
    let deadlineMs = measureStartMs + plan.durationMs;
    let startedAt = new Date().toISOString();
    let cpuStart = process.cpuUsage();
    let monitor = measuring ? watchThread() : null;
    let stoppedBy: StopReason = 'duration';
    let timer: NodeJS.Timeout | null = null;
    let graceTimer: NodeJS.Timeout | null = null;
    let intervalTimer: NodeJS.Timeout | null = null;
    let intervalHistogram: Histogram | null = plan.onInterval ? createLatencyHistogram() : null;
    let intervalCompleted = 0;
    let intervalErrors = 0;
    let intervalIndex = 0;
    let lastIntervalMs = 0;

    const startMeasuring = (atMs: number): void => {
      measuring = true;
      tally = new Tally();
      measureStartMs = atMs;
      measureStartK = k;
      deadlineMs = atMs + plan.durationMs;
      startedAt = new Date().toISOString();
      cpuStart = process.cpuUsage();
      monitor = watchThread();
      lastIntervalMs = atMs;
      if (plan.onInterval && plan.intervalMs !== undefined) intervalTimer = setInterval(emitInterval, plan.intervalMs);
    };

    const emitInterval = (): void => {
      if (!plan.onInterval || intervalHistogram === null) return;
      const now = performance.now();
      plan.onInterval({
        index: intervalIndex++,
        elapsedMs: now - measureStartMs,
        intervalMs: now - lastIntervalMs,
        completed: intervalCompleted,
        errors: intervalErrors,
        histogram: intervalHistogram,
        inFlight,
      });
      lastIntervalMs = now;
      intervalCompleted = 0;
      intervalErrors = 0;
      intervalHistogram = createLatencyHistogram();
    };

    const finish = (): void => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      if (graceTimer !== null) clearTimeout(graceTimer);
      if (intervalTimer !== null) clearInterval(intervalTimer);
      plan.signal?.removeEventListener('abort', onAbort);
      const now = performance.now();
      if (!measuring) startMeasuring(now);
      const thread = monitor?.stop() ?? { eventLoopUtilization: 0, eventLoopDelayP99Ms: 0 };
      const endMs = tally.inFlight === 0 && tally.lastDoneMs >= 0 ? Math.max(tally.lastDoneMs, tally.lastSendMs + intervalMs) : now;
      resolve(
        outcomeOf(tally, {
          startedAt,
          startMs: measureStartMs,
          endMs,
          sendIntervalMs: intervalMs,
          stoppedBy,
          warmup: {
            requests: warmupTally === null ? 0 : warmupTally.sent + warmupTally.errors.dropped,
            durationMs: warmupTally === null ? 0 : Math.round(measureStartMs - scheduleStartMs),
          },
          thread,
          processCpuSeconds: cpuSecondsSince(cpuStart),
        }),
      );
    };

    const stopScheduling = (reason: StopReason): void => {
      stoppedBy = reason;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (inFlight === 0) finish();
      else graceTimer ??= setTimeout(finish, plan.graceMs);
    };

    const onAbort = (): void => {
      stoppedBy = 'signal';
      finish();
    };

    const tick = (): void => {
      timer = null;
      const now = performance.now();
      while (nextMs <= now) {
        if (!measuring) {
          const countDone = warmup !== null && 'requests' in warmup && k >= warmup.requests;
          if (countDone || nextMs >= warmupEndMs) startMeasuring(nextMs);
        }
        if (measuring) {
          if (plan.requests !== null && k - measureStartK >= plan.requests) return stopScheduling('requests');
          if (nextMs >= deadlineMs) return stopScheduling('duration');
        }
        const intendedMs = nextMs;
        k++;
        nextMs = scheduleStartMs + k * intervalMs;
        if (inFlight >= plan.maxInFlight) {
          tally.onDrop(now);
          if (measuring) intervalErrors++;
          continue;
        }
        inFlight++;
        const owner = tally;
        owner.onSend(now);
        plan.sender.send((kind: TrafficErrorKind | null) => {
          if (done) return;
          inFlight--;
          const at = performance.now();
          owner.onDone(intendedMs, at, kind);
          if (owner === tally && measuring) {
            intervalCompleted++;
            if (kind !== null) intervalErrors++;
            if (intervalHistogram !== null && kind !== 'connect') intervalHistogram.recordValue(Math.max(1, Math.round((at - intendedMs) * 1000)));
          }
          if (graceTimer !== null && inFlight === 0) finish();
        });
      }
      timer = setTimeout(tick, Math.max(0, nextMs - performance.now()));
    };

    plan.signal?.addEventListener('abort', onAbort, { once: true });
    if (plan.signal?.aborted) return onAbort();
    if (measuring && plan.onInterval && plan.intervalMs !== undefined) {
      lastIntervalMs = scheduleStartMs;
      intervalTimer = setInterval(emitInterval, plan.intervalMs);
    }
    timer = setTimeout(tick, Math.max(0, scheduleStartMs - performance.now()));
  });
}

/** p99 of an interval reading, ms. */
export const intervalP99Ms = (reading: IntervalReading): number => summarizeLatency(reading.histogram).p99Ms;

/** Errors of a phase as a fraction of the requests it scheduled (sent + dropped). */
export function errorRateOf(outcome: PhaseOutcome): number {
  const scheduled = outcome.sent + outcome.errors.dropped;
  return scheduled === 0 ? 0 : errorTotal(outcome.errors) / scheduled;
}
