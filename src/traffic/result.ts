/**
 * What a traffic run reports: plain JSON-serialisable data. Latency travels as an encoded HDR
 * histogram so results from worker threads (or from several runs) merge without losing precision.
 */

/** Why a request did not succeed. `dropped` requests were never sent: the in-flight cap was reached. */
export const trafficErrorKinds = ['connect', 'timeout', 'http-5xx', 'http-4xx', 'soap-fault', 'dropped', 'other'] as const;
/** One kind of failed request. */
export type TrafficErrorKind = (typeof trafficErrorKinds)[number];

/** Count of failed requests per kind; every kind is present (zero when none). */
export type ErrorCounts = Record<TrafficErrorKind, number>;

/** A fresh all-zero error count. */
export function emptyErrorCounts(): ErrorCounts {
  return { connect: 0, timeout: 0, 'http-5xx': 0, 'http-4xx': 0, 'soap-fault': 0, dropped: 0, other: 0 };
}

/** Sum of all error kinds. */
export function errorTotal(errors: ErrorCounts): number {
  let total = 0;
  for (const kind of trafficErrorKinds) total += errors[kind];
  return total;
}

/**
 * Latency percentiles in milliseconds (recorded in microseconds, 3 significant digits). Every
 * request that got an answer (any status) or timed out is recorded; connect errors and drops are not.
 * In `rate`/`soak`/`find-max` latency runs from the intended send time, so a stall shows in full.
 */
export interface LatencySummary {
  readonly count: number;
  readonly minMs: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
}

/**
 * How busy the generator itself was. When it was saturated the numbers describe the client, not the
 * gateway, and `saturated` says so with the reason.
 */
export interface HeadroomReport {
  /** CPU time of the whole generator process (all threads) during the measured window. */
  readonly cpuSeconds: number;
  /** `cpuSeconds` ÷ wall seconds ÷ sending threads, as a percentage of one core per thread. */
  readonly cpuPercentPerThread: number;
  /** Highest event-loop utilisation (0–1) of any sending thread. */
  readonly eventLoopUtilization: number;
  /** p99 of event-loop delay over the sending threads (worst thread), in ms. */
  readonly eventLoopDelayP99Ms: number;
  readonly saturated: boolean;
  /** Why it counts as saturated, e.g. `client CPU 97% of a core (limit 85%)`; null when not. */
  readonly reason: string | null;
}

/** Traffic sent before measuring and not counted. */
export interface WarmupReport {
  readonly requests: number;
  readonly durationMs: number;
}

/** Which generator produced a result (`concurrency`: the run driver's step). */
export type TrafficMode = 'burst' | 'rate' | 'soak' | 'find-max' | 'concurrency';

/** Why the measured phase ended. */
export type StopReason = 'requests' | 'duration' | 'signal';

/** The outcome of one measured traffic phase. */
export interface TrafficResult {
  readonly mode: TrafficMode;
  /** Target URLs (credentials never included). */
  readonly targets: readonly string[];
  /** Connections (closed-loop clients in `burst`/`concurrency`; pooled connections in `rate`). */
  readonly connections: number;
  readonly workers: number;
  /** Requested arrival rate in requests/s (`rate`, `soak`, `find-max`); null for closed-loop modes. */
  readonly requestedRatePerSec: number | null;
  readonly startedAt: string;
  /** Measured window: first send to the last answer waited for. */
  readonly durationMs: number;
  readonly stoppedBy: StopReason;
  /** Requests put on the wire (dropped ones are not sent). */
  readonly sent: number;
  /** Requests that finished: answered, failed or timed out. */
  readonly completed: number;
  /** Answered with 1xx–3xx and no SOAP fault. */
  readonly ok: number;
  /** Sent but neither answered nor failed when the run stopped waiting for them. */
  readonly unfinished: number;
  readonly errors: ErrorCounts;
  /** Client-side throughput: `completed` ÷ measured seconds. */
  readonly throughputPerSec: number;
  /** `ok` ÷ measured seconds. */
  readonly okPerSec: number;
  /** Sends (incl. drops) per second over the send window; for open-model modes compare with the requested rate. */
  readonly sendRatePerSec: number;
  readonly latency: LatencySummary;
  /** Base64 compressed HDR histogram of latency in microseconds (hdr-histogram-js format). */
  readonly latencyHistogram: string;
  /** Highest number of requests in flight at once (with workers: sum of each thread's highest). */
  readonly maxInFlight: number;
  readonly warmup: WarmupReport;
  readonly headroom: HeadroomReport;
  /** Things the reader must know before trusting the numbers (saturated client, stalls, errors). */
  readonly warnings: readonly string[];
}

/** One rate the `find-max` search held, and whether the target sustained it. */
export interface FindMaxStep {
  readonly phase: 'ramp' | 'refine' | 'confirm';
  readonly ratePerSec: number;
  readonly passed: boolean;
  /** Which threshold it crossed, e.g. `p99 412 ms > 100 ms`; null when it passed. */
  readonly reason: string | null;
  readonly throughputPerSec: number;
  readonly p99Ms: number;
  /** Errors (incl. drops) ÷ requests scheduled. */
  readonly errorRate: number;
  readonly durationMs: number;
}

/** Thresholds a rate must stay within to count as sustainable. */
export interface FindMaxThresholds {
  readonly maxP99Ms: number;
  /** Fraction, e.g. 0.01 for 1%. */
  readonly maxErrorRate: number;
  /** Fraction of the requested rate the answers must keep up with, e.g. 0.95. */
  readonly minThroughputRatio: number;
}

/** `find-max` outcome: the steps taken and the highest rate that held, confirmed by holding it again. */
export interface FindMaxResult extends TrafficResult {
  readonly findMax: {
    /** Highest sustainable rate in requests/s; null when even the starting rate failed. */
    readonly maxSustainableRatePerSec: number | null;
    /** True when a final hold at that rate passed again. */
    readonly confirmed: boolean;
    readonly thresholds: FindMaxThresholds;
    readonly steps: readonly FindMaxStep[];
  };
}

/** One `soak` progress line: current (last interval) and overall throughput. */
export interface SoakTick {
  readonly elapsedMs: number;
  readonly intervalThroughputPerSec: number;
  readonly overallThroughputPerSec: number;
  readonly intervalP99Ms: number;
  readonly intervalErrors: number;
  readonly inFlight: number;
}
