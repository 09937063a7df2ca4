/**
 * The totals file the generated locustfile's master writes at the end of a run, and how it folds
 * into gwscale's `TrafficResult`. Pure: parsed JSON in, result out.
 */
import { createLatencyHistogram, encodeHistogram, summarizeLatency } from '../latency-histogram.js';
import { warningsFor } from '../assemble.js';
import { emptyErrorCounts, trafficErrorKinds, type ErrorCounts, type HeadroomReport, type TrafficResult } from '../result.js';
import type { LocustTarget } from './locustfile.js';

/** One worker's counts, cumulative since the test started. */
export interface WorkerTotals {
  readonly requests: number;
  readonly ok: number;
  readonly errors: Partial<ErrorCounts>;
  /** `[requests, failures]` per target, in the locustfile's target order. */
  readonly perTarget: readonly (readonly [number, number])[];
  /** Latency in µs (3 significant digits) → count; connect errors are not timed. */
  readonly latencyUs: Readonly<Record<string, number>>;
}

/** A worker's last report: `final` when it came after the worker stopped sending. */
export interface WorkerReport {
  readonly final: boolean;
  readonly host: string;
  readonly pid: number;
  /** Unix time of the report, seconds. */
  readonly at: number;
  /** The worker process's CPU (user + system) since it started, seconds. */
  readonly cpuSeconds: number;
  /** Unix time of its first request (null before it sent one), and its CPU then. */
  readonly firstRequestAt: number | null;
  readonly cpuSecondsAtFirstRequest: number | null;
  readonly totals: WorkerTotals;
}

/** The file the master writes (`TOTALS_ENV`). */
export interface LocustTotalsFile {
  readonly locustVersion: string;
  readonly startedAt: number | null;
  readonly stoppedAt: number;
  readonly masterCpuSeconds: number;
  readonly workers: readonly {
    readonly id: string;
    /** Locust's state of the worker at the end (`missing` after three lost heartbeats, `gone` once removed). */
    readonly state: string;
    /** Highest CPU Locust's heartbeats reported (sampled every 5 s, so 0 in a short run). */
    readonly cpuPercentMax: number;
    readonly report: WorkerReport | null;
  }[];
}

/** One worker as the result shows it. */
export interface LocustWorkerSummary {
  readonly id: string;
  readonly host: string | null;
  readonly pid: number | null;
  readonly requests: number;
  /** False when it went missing: requests after `lastReportMs` (since the start) are lost. */
  readonly reportedFinalTotals: boolean;
  readonly lastReportMs: number | null;
  /** CPU while sending: its CPU-seconds from its first request to its last report ÷ that time, % of a core. */
  readonly cpuPercent: number;
  /** Its CPU-seconds from its first request to its last report (start-up not included); null before it sent. */
  readonly sendingCpuSeconds: number | null;
}

/** Requests and failures of one target (service operation). */
export interface PerServiceCount {
  readonly name: string;
  readonly requests: number;
  readonly failures: number;
}

/** What a Locust run adds to the traffic result. */
export interface LocustReport {
  readonly version: string;
  readonly locustfile: string;
  readonly users: number;
  readonly workers: readonly LocustWorkerSummary[];
  /** One line per worker that went missing; any makes the run fail. */
  readonly missingWorkers: readonly string[];
  readonly perService: readonly PerServiceCount[];
  /** Achieved ÷ requested rate; null in a closed loop without a rate. */
  readonly achievedRatio: number | null;
  /** True when fewer than 95 % of the requested rate were achieved. */
  readonly rateShortfall: boolean;
  /** The target's own request count, when it has one, and whether it matched Locust's total. */
  readonly targetCount: { readonly source: string; readonly requests: number; readonly matches: boolean } | null;
  /** What Locust's numbers do not correct for, so the reader does not assume they do. */
  readonly caveats: readonly string[];
}

/** A traffic result from Locust: the shared schema plus what only a Locust run has. */
export interface LocustTrafficResult extends TrafficResult {
  readonly engine: 'locust';
  readonly locust: LocustReport;
}

/** True for a result from `--engine locust`. */
export function isLocustResult(result: TrafficResult): result is LocustTrafficResult {
  return 'engine' in result && (result as { engine: unknown }).engine === 'locust';
}

/** Fewer answers than this share of the requested rate is flagged. */
export const RATE_SHORTFALL_RATIO = 0.95;
/** Worker CPU above this (% of a core, Locust's own reading) means the numbers measure the workers. */
const SATURATED_CPU_PERCENT = 85;

export const LOCUST_CAVEATS: readonly string[] = [
  'closed model: each Locust user waits for its answer before the next request, so a stall lowers the rate instead of showing as latency (no coordinated-omission correction)',
  "latency is timed by each user around its request (µs, kept to 3 significant digits); Locust's own printed percentiles are rounded further",
  'a worker that disappears loses the requests it had not yet reported (workers report every 3 s)',
];

/** What the fold needs besides the file. */
export interface FoldContext {
  readonly targets: readonly LocustTarget[];
  readonly targetUrls: readonly string[];
  readonly users: number;
  readonly requestedRatePerSec: number | null;
  readonly locustfile: string;
  readonly expectedWorkers: number;
  readonly stoppedBySignal: boolean;
}

const perSec = (count: number, ms: number): number => (ms > 0 ? Number(((count * 1000) / ms).toFixed(1)) : 0);

/** A worker's CPU-seconds from its first request to its last report, by its own readings. */
function sendingCpuSecondsOf(report: WorkerReport | null): number | null {
  if (report === null || report.cpuSecondsAtFirstRequest === null) return null;
  return Number((report.cpuSeconds - report.cpuSecondsAtFirstRequest).toFixed(3));
}

/** A worker's CPU while it sent (% of a core), or Locust's heartbeat reading when that is higher. */
function sendingCpuPercent(report: WorkerReport | null, heartbeatMax: number): number {
  const cpu = sendingCpuSecondsOf(report);
  if (report === null || report.firstRequestAt === null || cpu === null) return heartbeatMax;
  const seconds = report.at - report.firstRequestAt;
  const own = seconds > 0.5 ? (cpu / seconds) * 100 : 0;
  return Math.round(Math.max(own, heartbeatMax));
}

/** Reads the master's totals into a `LocustTrafficResult`. */
export function foldLocustTotals(file: LocustTotalsFile, context: FoldContext): LocustTrafficResult {
  const errors = emptyErrorCounts();
  const perService = context.targets.map((t) => ({ name: t.name, requests: 0, failures: 0 }));
  const histogram = createLatencyHistogram();
  let requests = 0;
  let ok = 0;
  let workerCpuSeconds = 0;
  let cpuPercentMax = 0;
  // The measured window opens with the first request any worker sent (users start over a moment).
  const firsts = file.workers.map((w) => w.report?.firstRequestAt ?? null).filter((t): t is number => t !== null);
  const startedAtS = firsts.length > 0 ? Math.min(...firsts) : (file.startedAt ?? file.stoppedAt);
  const workers: LocustWorkerSummary[] = [];
  const missing: string[] = [];
  for (const worker of file.workers) {
    const report = worker.report;
    const cpuPercent = sendingCpuPercent(report, worker.cpuPercentMax);
    cpuPercentMax = Math.max(cpuPercentMax, cpuPercent);
    const final = report?.final === true;
    const lastReportMs = report === null ? null : Math.max(0, Math.round((report.at - startedAtS) * 1000));
    workers.push({
      id: worker.id,
      host: report?.host ?? null,
      pid: report?.pid ?? null,
      requests: report?.totals.requests ?? 0,
      reportedFinalTotals: final,
      lastReportMs,
      cpuPercent,
      sendingCpuSeconds: sendingCpuSecondsOf(report),
    });
    if (!final) {
      const where = report === null ? '' : ` on ${report.host} (pid ${report.pid})`;
      const last =
        lastReportMs === null
          ? 'it never reported'
          : `its last report was ${(lastReportMs / 1000).toFixed(1)} s into the run, with ${report?.totals.requests ?? 0} requests`;
      missing.push(`locust worker ${worker.id}${where} went missing (state ${worker.state}): ${last}; what it sent after that is lost`);
    }
    if (report === null) continue;
    const t = report.totals;
    requests += t.requests;
    ok += t.ok;
    workerCpuSeconds += report.cpuSeconds;
    for (const kind of trafficErrorKinds) errors[kind] += t.errors[kind] ?? 0;
    t.perTarget.forEach(([sent, failed], i) => {
      const row = perService[i];
      if (row !== undefined) {
        row.requests += sent;
        row.failures += failed;
      }
    });
    for (const [us, count] of Object.entries(t.latencyUs)) histogram.recordValueWithCount(Math.max(1, Number(us)), count);
  }
  if (file.workers.length < context.expectedWorkers)
    missing.push(`${context.expectedWorkers - file.workers.length} of ${context.expectedWorkers} expected locust workers never took part`);
  const durationMs = Math.max(0, Math.round((file.stoppedAt - startedAtS) * 1000));
  const throughputPerSec = perSec(requests, durationMs);
  const requested = context.requestedRatePerSec;
  const achievedRatio = requested === null || requested <= 0 ? null : Number((throughputPerSec / requested).toFixed(3));
  const cpuSeconds = Number((workerCpuSeconds + file.masterCpuSeconds).toFixed(2));
  const headroom: HeadroomReport = {
    cpuSeconds,
    cpuPercentPerThread: Math.round(cpuPercentMax),
    eventLoopUtilization: 0,
    eventLoopDelayP99Ms: 0,
    saturated: cpuPercentMax > SATURATED_CPU_PERCENT,
    reason: cpuPercentMax > SATURATED_CPU_PERCENT ? `a locust worker used ${Math.round(cpuPercentMax)}% of a core (limit ${SATURATED_CPU_PERCENT}%)` : null,
  };
  const base: TrafficResult = {
    mode: requested === null ? 'burst' : 'rate',
    targets: context.targetUrls,
    connections: context.users,
    workers: file.workers.length,
    requestedRatePerSec: requested,
    startedAt: new Date(startedAtS * 1000).toISOString(),
    durationMs,
    stoppedBy: context.stoppedBySignal ? 'signal' : 'duration',
    sent: requests,
    completed: requests,
    ok,
    unfinished: 0,
    errors,
    throughputPerSec,
    okPerSec: perSec(ok, durationMs),
    sendRatePerSec: throughputPerSec,
    latency: summarizeLatency(histogram),
    latencyHistogram: encodeHistogram(histogram),
    // Closed model: no user has more than one request in flight.
    maxInFlight: context.users,
    warmup: { requests: 0, durationMs: 0 },
    headroom,
    warnings: [],
  };
  const rateShortfall = achievedRatio !== null && achievedRatio < RATE_SHORTFALL_RATIO;
  const warnings = [
    ...missing,
    ...(rateShortfall
      ? [
          `achieved ${throughputPerSec}/s of the ${requested}/s requested (${Math.round((achievedRatio ?? 0) * 100)}%, under ${RATE_SHORTFALL_RATIO * 100}%): Locust's users could not keep the rate`,
        ]
      : []),
    // The requested rate is judged above, against what was achieved; Locust has no send schedule to fall behind.
    ...warningsFor({ ...base, requestedRatePerSec: null }),
  ];
  return {
    ...base,
    warnings,
    engine: 'locust',
    locust: {
      version: file.locustVersion,
      locustfile: context.locustfile,
      users: context.users,
      workers,
      missingWorkers: missing,
      perService,
      achievedRatio,
      rateShortfall,
      targetCount: null,
      caveats: LOCUST_CAVEATS,
    },
  };
}

/** Adds the target's own request count and, when it differs from Locust's total, a warning. */
export function withTargetCount(result: LocustTrafficResult, source: string, requests: number): LocustTrafficResult {
  const matches = requests === result.completed;
  return {
    ...result,
    warnings: matches
      ? result.warnings
      : [
          ...result.warnings,
          `${source} counted ${requests} requests, Locust ${result.completed}: ${requests > result.completed ? 'requests went uncounted (a worker went missing, or something else sent to the target)' : 'Locust counted requests the target did not see'}`,
        ],
    locust: { ...result.locust, targetCount: { source, requests, matches } },
  };
}
