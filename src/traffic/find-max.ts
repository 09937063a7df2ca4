/**
 * `find-max`: raise the arrival rate step by step (or lower it, when the starting rate already
 * fails) until p99 latency, the error rate or the answer rate crosses its threshold, narrow down between the last rate that held and the first that did
 * not, then hold the best rate once more to confirm it. Every step is an open-model phase.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { summarizeLatency, decodeHistogram } from './latency-histogram.js';
import { errorRateOf, runOpenLoop } from './open-loop.js';
import type { PhaseOutcome, WarmupPlan } from './phase.js';
import type { FindMaxStep, FindMaxThresholds } from './result.js';
import type { MessageSender } from './sender.js';

/** How the `find-max` search steps, judges and confirms. */
export interface FindMaxPlan {
  /** An initialised sender (a pool), reused by every step. */
  readonly sender: MessageSender;
  readonly startRatePerSec: number;
  /** Each ramp step multiplies the rate by this (> 1). */
  readonly stepFactor: number;
  readonly stepDurationMs: number;
  /** Highest rate tried. */
  readonly maxRatePerSec: number;
  /** Bisection steps between the last passing and first failing rate. */
  readonly refineSteps: number;
  readonly confirmDurationMs: number;
  readonly thresholds: FindMaxThresholds;
  readonly maxInFlight: number;
  /** Time budget for the whole search; steps that would not fit are skipped. */
  readonly budgetMs: number;
  readonly warmup: WarmupPlan | null;
  readonly graceMs: number;
  readonly signal?: AbortSignal;
  readonly onStep?: (step: FindMaxStep) => void;
}

/** The steps taken and the rate found; `outcome` is the phase the result is built from. */
export interface FindMaxOutcome {
  readonly steps: readonly FindMaxStep[];
  readonly maxSustainableRatePerSec: number | null;
  readonly confirmed: boolean;
  /** The confirming hold, else the last step run; null when no step ran. */
  readonly outcome: PhaseOutcome | null;
  readonly ratePerSec: number | null;
}

/** Pause between steps so a queue built up by a failed step drains before the next one. */
const SETTLE_MS = 250;

/** Whether a step held its rate, and if not, which threshold it crossed. */
export function judgeStep(
  outcome: PhaseOutcome,
  ratePerSec: number,
  thresholds: FindMaxThresholds,
): { passed: boolean; reason: string | null; p99Ms: number; errorRate: number; throughputPerSec: number } {
  const p99Ms = summarizeLatency(decodeHistogram(outcome.histogram)).p99Ms;
  const errorRate = errorRateOf(outcome);
  const throughputPerSec = outcome.durationMs > 0 ? (outcome.completed * 1000) / outcome.durationMs : 0;
  const reasons: string[] = [];
  if (p99Ms > thresholds.maxP99Ms) reasons.push(`p99 ${Number(p99Ms.toPrecision(3))} ms > ${thresholds.maxP99Ms} ms`);
  if (errorRate > thresholds.maxErrorRate) reasons.push(`errors ${(errorRate * 100).toFixed(2)}% > ${(thresholds.maxErrorRate * 100).toFixed(2)}%`);
  if (throughputPerSec < ratePerSec * thresholds.minThroughputRatio)
    reasons.push(`answers ${throughputPerSec.toFixed(0)}/s < ${(thresholds.minThroughputRatio * 100).toFixed(0)}% of ${ratePerSec}/s`);
  if (outcome.thread.eventLoopUtilization > 0.9) reasons.push('the client was saturated');
  return {
    passed: reasons.length === 0,
    reason: reasons.length === 0 ? null : reasons.join('; '),
    p99Ms,
    errorRate: Number(errorRate.toFixed(4)),
    throughputPerSec: Number(throughputPerSec.toFixed(1)),
  };
}

/** Runs the search; bounded by `budgetMs` and the signal. */
export async function findMaxRate(plan: FindMaxPlan): Promise<FindMaxOutcome> {
  const started = performance.now();
  const steps: FindMaxStep[] = [];
  const holds: { outcome: PhaseOutcome; rate: number }[] = [];
  let warmup = plan.warmup;
  const remainingMs = (): number => plan.budgetMs - (performance.now() - started);
  const stopped = (): boolean => plan.signal?.aborted === true;

  const hold = async (phase: FindMaxStep['phase'], ratePerSec: number, durationMs: number): Promise<FindMaxStep> => {
    const outcome = await runOpenLoop({
      sender: plan.sender,
      ratePerSec,
      requests: null,
      durationMs,
      warmup,
      maxInFlight: plan.maxInFlight,
      graceMs: plan.graceMs,
      ...(plan.signal === undefined ? {} : { signal: plan.signal }),
    });
    warmup = null;
    holds.push({ outcome, rate: ratePerSec });
    const judged = judgeStep(outcome, ratePerSec, plan.thresholds);
    const step: FindMaxStep = {
      phase,
      ratePerSec,
      passed: judged.passed && !stopped(),
      reason: stopped() ? 'interrupted' : judged.reason,
      throughputPerSec: judged.throughputPerSec,
      p99Ms: judged.p99Ms,
      errorRate: judged.errorRate,
      durationMs: outcome.durationMs,
    };
    steps.push(step);
    plan.onStep?.(step);
    if (!stopped()) await sleep(SETTLE_MS);
    return step;
  };
  // Each step must leave room for the confirming hold.
  const fits = (durationMs: number): boolean => !stopped() && remainingMs() >= durationMs + plan.graceMs + plan.confirmDurationMs + SETTLE_MS;

  let passing: number | null = null;
  let failing: number | null = null;
  let rate = Math.max(1, Math.round(plan.startRatePerSec));
  while (fits(plan.stepDurationMs)) {
    const step = await hold('ramp', rate, plan.stepDurationMs);
    if (!step.passed) {
      failing = rate;
      // Even the starting rate failed: step down until one holds (never below 1/s).
      if (passing === null && rate > 1) {
        rate = Math.max(1, Math.floor(rate / plan.stepFactor));
        continue;
      }
      break;
    }
    passing = rate;
    if (failing !== null) break;
    if (rate >= plan.maxRatePerSec) break;
    rate = Math.min(plan.maxRatePerSec, Math.max(rate + 1, Math.round(rate * plan.stepFactor)));
  }
  for (let i = 0; i < plan.refineSteps && passing !== null && failing !== null && failing - passing > 1 && fits(plan.stepDurationMs); i++) {
    const mid = Math.round((passing + failing) / 2);
    const step = await hold('refine', mid, plan.stepDurationMs);
    if (step.passed) passing = mid;
    else failing = mid;
  }
  // Confirm the best rate; if it does not hold again, try the next best that passed once.
  const tried = new Set<number>();
  let confirmed = false;
  let confirmHold: { outcome: PhaseOutcome; rate: number } | null = null;
  for (let attempt = 0; attempt < 2 && passing !== null && !stopped() && remainingMs() >= plan.confirmDurationMs + plan.graceMs; attempt++) {
    const candidate: number = passing;
    tried.add(candidate);
    const step = await hold('confirm', candidate, plan.confirmDurationMs);
    confirmHold = holds[holds.length - 1] ?? null;
    if (step.passed) {
      confirmed = true;
      break;
    }
    const lower = steps.filter((s) => s.passed && s.phase !== 'confirm' && !tried.has(s.ratePerSec) && s.ratePerSec < candidate).map((s) => s.ratePerSec);
    passing = lower.length > 0 ? Math.max(...lower) : null;
  }
  const reported = confirmHold ?? holds[holds.length - 1] ?? null;
  return {
    steps,
    maxSustainableRatePerSec: passing,
    confirmed,
    outcome: reported?.outcome ?? null,
    ratePerSec: reported?.rate ?? null,
  };
}
