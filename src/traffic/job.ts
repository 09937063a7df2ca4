/**
 * A traffic job: everything one sending thread needs, as plain data (so it can be posted to a
 * worker thread), and the function that runs it: build senders, warm up, measure, close.
 */
import { runClosedLoop } from './closed-loop.js';
import { runOpenLoop, type IntervalReading } from './open-loop.js';
import type { PhaseOutcome, WarmupPlan } from './phase.js';
import type { HttpClientKind, SenderProperties } from './sender.js';
import { createSender } from './senders.js';

/** Everything one sending thread needs, as plain (postable) data. */
export interface TrafficJob {
  /** `burst` is closed-loop; `rate` and `soak` follow an arrival schedule. */
  readonly mode: 'burst' | 'rate' | 'soak';
  readonly url: string;
  readonly sender: SenderProperties;
  /** Implementation of closed-loop clients (`burst`); open-model modes always use an undici pool. */
  readonly client: HttpClientKind;
  readonly connections: number;
  readonly requests: number | null;
  readonly durationMs: number;
  /** Arrival rate of this thread (open-model modes). */
  readonly ratePerSec: number | null;
  readonly maxInFlight: number;
  readonly warmup: WarmupPlan | null;
  readonly graceMs: number;
  /** Progress interval (soak); null for none. */
  readonly intervalMs: number | null;
  /** This thread's schedule offset in send intervals (0 for the first thread). */
  readonly phaseOffset: number;
}

/** Abort signal and progress callback of a job (not postable, so kept apart). */
export interface JobHooks {
  readonly signal?: AbortSignal;
  readonly onInterval?: (reading: IntervalReading) => void;
}

/** Runs one job in the calling thread. */
export async function runJob(job: TrafficJob, hooks: JobHooks = {}): Promise<PhaseOutcome> {
  if (job.mode === 'burst') {
    const prototype = await createSender(job.client, { ...job.sender, connections: 1 }, job.url);
    const senders = Array.from({ length: job.connections }, () => prototype.clone());
    try {
      await Promise.all(senders.map((sender) => sender.init(job.url)));
      return await runClosedLoop({
        lanes: senders.map((sender) => sender.send.bind(sender)),
        requests: job.requests,
        durationMs: job.durationMs,
        warmup: job.warmup,
        graceMs: job.graceMs,
        ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      });
    } finally {
      await Promise.all(senders.map((sender) => sender.close()));
    }
  }
  if (job.ratePerSec === null) throw new Error(`${job.mode} job without a rate`);
  const sender = await createSender('undici', { ...job.sender, connections: job.connections }, job.url);
  try {
    await sender.init(job.url);
    return await runOpenLoop({
      sender,
      ratePerSec: job.ratePerSec,
      requests: job.requests,
      durationMs: job.durationMs,
      warmup: job.warmup,
      maxInFlight: job.maxInFlight,
      graceMs: job.graceMs,
      phaseOffset: job.phaseOffset,
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      ...(hooks.onInterval === undefined || job.intervalMs === null ? {} : { onInterval: hooks.onInterval, intervalMs: job.intervalMs }),
    });
  } finally {
    await sender.close();
  }
}

/**
 * Splits a job over `workers` threads: connections, requests and rate are shared out, and each
 * thread's schedule is offset so their sends interleave.
 */
export function splitJob(job: TrafficJob, workers: number): TrafficJob[] {
  const share = (total: number, i: number): number => Math.floor(total / workers) + (i < total % workers ? 1 : 0);
  return Array.from({ length: workers }, (_, i) => ({
    ...job,
    connections: Math.max(1, share(job.connections, i)),
    requests: job.requests === null ? null : share(job.requests, i),
    ratePerSec: job.ratePerSec === null ? null : job.ratePerSec / workers,
    maxInFlight: Math.max(1, share(job.maxInFlight, i)),
    warmup: job.warmup !== null && 'requests' in job.warmup ? { requests: share(job.warmup.requests, i) } : job.warmup,
    phaseOffset: i / workers,
  }));
}
