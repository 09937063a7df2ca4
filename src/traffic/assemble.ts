/**
 * Merges what each sending thread measured into one `TrafficResult`, and writes the warnings a
 * reader needs before trusting the numbers. Pure: outcomes in, result out.
 */
import { judgeHeadroom, SATURATED_WARNING } from './headroom.js';
import { encodeHistogram, mergeEncodedHistograms, summarizeLatency } from './latency-histogram.js';
import type { PhaseOutcome } from './phase.js';
import { emptyErrorCounts, errorTotal, trafficErrorKinds, type StopReason, type TrafficMode, type TrafficResult } from './result.js';

/** What the result says about how the traffic was sent. */
export interface ResultContext {
  readonly mode: TrafficMode;
  readonly targets: readonly string[];
  readonly connections: number;
  readonly workers: number;
  readonly requestedRatePerSec: number | null;
}

const perSec = (count: number, ms: number): number => (ms > 0 ? Number(((count * 1000) / ms).toFixed(1)) : 0);

/** One result from the outcomes of every sending thread of the same phase. */
export function assembleResult(context: ResultContext, outcomes: readonly PhaseOutcome[]): TrafficResult {
  const errors = emptyErrorCounts();
  let sent = 0;
  let completed = 0;
  let ok = 0;
  let unfinished = 0;
  let maxInFlight = 0;
  let durationMs = 0;
  let sendWindowMs = 0;
  let cpuSeconds = 0;
  let warmupRequests = 0;
  let warmupMs = 0;
  let stoppedBy: StopReason = outcomes[0]?.stoppedBy ?? 'duration';
  for (const outcome of outcomes) {
    sent += outcome.sent;
    completed += outcome.completed;
    ok += outcome.ok;
    unfinished += outcome.unfinished;
    maxInFlight += outcome.maxInFlight;
    for (const kind of trafficErrorKinds) errors[kind] += outcome.errors[kind];
    durationMs = Math.max(durationMs, outcome.durationMs);
    sendWindowMs = Math.max(sendWindowMs, outcome.sendWindowMs);
    // Every thread reads the whole process's CPU over (nearly) the same window: take the largest.
    cpuSeconds = Math.max(cpuSeconds, outcome.processCpuSeconds);
    warmupRequests += outcome.warmup.requests;
    warmupMs = Math.max(warmupMs, outcome.warmup.durationMs);
    if (outcome.stoppedBy === 'signal') stoppedBy = 'signal';
  }
  const histogram = mergeEncodedHistograms(outcomes.map((o) => o.histogram));
  const headroom = judgeHeadroom(
    cpuSeconds,
    durationMs,
    outcomes.map((o) => o.thread),
  );
  const startedAt =
    outcomes
      .map((o) => o.startedAt)
      .filter((s) => s !== '')
      .sort()[0] ?? new Date().toISOString();
  const result: TrafficResult = {
    mode: context.mode,
    targets: context.targets,
    connections: context.connections,
    workers: context.workers,
    requestedRatePerSec: context.requestedRatePerSec,
    startedAt,
    durationMs: Math.round(durationMs),
    stoppedBy,
    sent,
    completed,
    ok,
    unfinished,
    errors,
    throughputPerSec: perSec(completed, durationMs),
    okPerSec: perSec(ok, durationMs),
    sendRatePerSec: perSec(sent + errors.dropped, sendWindowMs),
    latency: summarizeLatency(histogram),
    latencyHistogram: encodeHistogram(histogram),
    maxInFlight,
    warmup: { requests: warmupRequests, durationMs: warmupMs },
    headroom,
    warnings: [],
  };
  return { ...result, warnings: warningsFor(result) };
}

/** Plain-language caveats, most important first. */
export function warningsFor(result: TrafficResult): string[] {
  const warnings: string[] = [];
  if (result.headroom.saturated) warnings.push(`${SATURATED_WARNING} (${result.headroom.reason ?? 'limits exceeded'})`);
  const scheduled = result.sent + result.errors.dropped;
  const failed = errorTotal(result.errors);
  if (failed > 0 && scheduled > 0) {
    const kinds = Object.entries(result.errors)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(', ');
    warnings.push(`${((failed / scheduled) * 100).toFixed(2)}% of requests failed (${kinds})`);
  }
  if (result.errors.dropped > 0) warnings.push(`${result.errors.dropped} scheduled requests were dropped at the in-flight cap: the target could not keep up`);
  if (result.unfinished > 0) warnings.push(`${result.unfinished} requests were still unanswered when the run stopped waiting for them`);
  const requested = result.requestedRatePerSec;
  if (requested !== null && result.sendRatePerSec > 0 && result.sendRatePerSec < requested * 0.99) {
    warnings.push(`the schedule fell behind: ${result.sendRatePerSec}/s sent of ${requested}/s requested`);
  }
  if (result.stoppedBy === 'signal') warnings.push('interrupted: the numbers cover the time until the signal');
  if (result.completed === 0) warnings.push('no request finished: nothing was measured');
  return warnings;
}
