/**
 * The options of `gwscale traffic` as the API takes them, their defaults and the cross-option
 * checks. Kept free of heavy imports: the CLI loads it to build `--help` and validate flags, and
 * loads the generators only when it runs.
 */
import { usageError } from '../errors.js';
import type { WarmupPlan } from './phase.js';
import type { HttpClientKind } from './sender.js';
import type { SoapVersion } from '../soap/envelope.js';

/** The generator `gwscale traffic --mode` runs. */
export type GeneratorMode = 'burst' | 'rate' | 'find-max' | 'soak';

/** Who sends: gwscale's own generator, or a Locust master with its workers (`--engine locust`). */
export const trafficEngines = ['gwscale', 'locust'] as const;
export type TrafficEngine = (typeof trafficEngines)[number];

/** `--engine locust` settings. */
export interface LocustEngineOptions {
  /** Workers started on this machine; default: cores − 1 (at least 1). */
  readonly workers: number;
  /** Workers the master waits for: these plus any started on other machines. */
  readonly expectWorkers: number;
  readonly expectWorkersWaitMs: number;
  /** Address the master listens on for workers; loopback unless `allowRemote`. */
  readonly masterBind: string;
  /** Folder for the locustfile, the totals and the logs; null: a new temporary folder. */
  readonly dir: string | null;
}

/** Defaults the option table and the API share. */
export const TRAFFIC_DEFAULTS = Object.freeze({
  connections: 10,
  timeoutMs: 10_000,
  intervalMs: 10_000,
  maxInFlight: 1_000,
  /** Longest measured phase per mode when `--duration` is not given. */
  durationMs: Object.freeze({ burst: 10_000, rate: 10_000, soak: 600_000, 'find-max': 180_000 }),
  /** Cap for a count-bounded burst without `--duration`. */
  burstCountCapMs: 600_000,
  /** Longest wait for answers still in flight when a phase ends. */
  maxGraceMs: 5_000,
  findMaxStartRatePerSec: 100,
  findMaxMaxP99Ms: 100,
  findMaxMaxErrorRate: 0.01,
  findMaxStepMs: 5_000,
  findMaxStepFactor: 1.5,
  findMaxMaxRatePerSec: 1_000_000,
  findMaxRefineSteps: 3,
  findMaxMinThroughputRatio: 0.95,
  /** How long a Locust master waits for its workers. */
  expectWorkersWaitMs: 60_000,
  locustMasterBind: '127.0.0.1',
});

/** Default local Locust workers: one per core, one core left for the master and the target. */
export function defaultLocustWorkers(cores: number): number {
  return Math.max(1, cores - 1);
}

/** Options of `gwscale traffic`, validated and with units in the names. */
export interface TrafficOptions {
  readonly url: string;
  readonly wsdl: string | null;
  readonly operation: string | null;
  readonly soapVersion: SoapVersion | null;
  readonly body: string | null;
  readonly contentType: string | null;
  readonly mode: GeneratorMode;
  readonly connections: number;
  /** Client implementation for burst's closed-loop clients; open-model modes always use an undici pool. */
  readonly httpClient: HttpClientKind;
  /** Measured requests (count bound); null = bounded by time only. */
  readonly requests: number | null;
  /** Arrival rate for rate/soak; the starting rate for find-max. */
  readonly ratePerSec: number | null;
  /** Measured time (find-max: the whole search); null = the mode's default. */
  readonly durationMs: number | null;
  readonly warmup: WarmupPlan | null;
  readonly workers: number;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
  /** Soak progress interval. */
  readonly intervalMs: number;
  readonly allowRemote: boolean;
  /** Skip the single request sent before the load. */
  readonly skipProbe?: boolean;
  readonly maxP99Ms?: number;
  readonly maxErrorRate?: number;
  readonly stepDurationMs?: number;
  readonly stepFactor?: number;
  readonly maxRatePerSec?: number;
  /** Default `gwscale`. */
  readonly engine?: TrafficEngine;
  /** Settings of `engine: 'locust'`. */
  readonly locust?: LocustEngineOptions;
}

/**
 * Options for one run at `gwscale traffic`'s defaults (a burst with the default connections,
 * timeouts and one sending thread), with `fields` over them: what an API caller or a bench gives
 * instead of spelling out every option.
 */
export function trafficOptionsFor(url: string, fields: Partial<TrafficOptions> = {}): TrafficOptions {
  const mode = fields.mode ?? 'burst';
  return {
    url,
    wsdl: null,
    operation: null,
    soapVersion: null,
    body: null,
    contentType: null,
    mode,
    connections: TRAFFIC_DEFAULTS.connections,
    httpClient: mode === 'burst' ? 'socket' : 'undici',
    requests: null,
    ratePerSec: null,
    durationMs: null,
    warmup: null,
    workers: 1,
    timeoutMs: TRAFFIC_DEFAULTS.timeoutMs,
    maxInFlight: TRAFFIC_DEFAULTS.maxInFlight,
    intervalMs: TRAFFIC_DEFAULTS.intervalMs,
    allowRemote: false,
    ...fields,
  };
}

/** What `--engine locust` cannot do, and Locust flags given without it. @throws GwscaleError (usage). */
function validateEngine(o: TrafficOptions): void {
  if (o.engine !== 'locust') {
    if (o.locust !== undefined)
      throw usageError('--locust-workers, --expect-workers, --expect-workers-wait, --locust-master-bind and --locust-dir apply to --engine locust');
    return;
  }
  if (o.mode !== 'burst' && o.mode !== 'rate')
    throw usageError(`--engine locust runs --mode burst or rate, not ${o.mode}`, 'use the built-in engine (drop --engine) for find-max and soak');
  if (o.requests !== null) throw usageError('--requests does not apply to --engine locust: its run is bounded by --duration');
  if (o.warmup !== null) throw usageError('--warmup does not apply to --engine locust');
  if (o.workers !== 1) throw usageError("--workers sets gwscale's sending threads; with --engine locust give --locust-workers N");
  const l = o.locust;
  if (l !== undefined && l.expectWorkers < l.workers)
    throw usageError(`--expect-workers ${l.expectWorkers} is fewer than --locust-workers ${l.workers} started here`);
  if (l !== undefined && o.connections < l.expectWorkers)
    throw usageError(`--connections ${o.connections} is fewer than the ${l.expectWorkers} Locust workers: each needs at least one user`);
}

/** Cross-option checks, shared by the CLI's `validate` and `runTraffic`. @throws GwscaleError (usage). */
export function validateTrafficOptions(o: TrafficOptions): void {
  validateEngine(o);
  if ((o.mode === 'rate' || o.mode === 'soak') && o.ratePerSec === null) throw usageError(`--mode ${o.mode} needs --rate R (requests per second)`);
  if (o.mode === 'find-max' && o.workers > 1)
    throw usageError('--mode find-max runs in one thread: drop --workers', 'spread a fixed rate over threads with --mode rate --workers N');
  if (o.mode === 'find-max' && o.requests !== null) throw usageError('--requests does not apply to --mode find-max: it is bounded by --duration');
  if (o.mode === 'burst' && o.ratePerSec !== null)
    throw usageError('--rate does not apply to --mode burst (it sends as fast as answers come)', 'use --mode rate --rate R for a constant arrival rate');
  if (o.mode !== 'burst' && o.httpClient === 'socket' && o.engine !== 'locust')
    throw usageError(`--http-client socket applies to --mode burst; ${o.mode} sends through an undici pool`, 'drop --http-client, or use --http-client undici');
  if (o.workers > o.connections)
    throw usageError(`--workers ${o.workers} is more than --connections ${o.connections}: each thread needs at least one connection`);
  if (
    o.mode !== 'find-max' &&
    (o.maxP99Ms !== undefined || o.maxErrorRate !== undefined || o.stepDurationMs !== undefined || o.stepFactor !== undefined || o.maxRatePerSec !== undefined)
  ) {
    throw usageError(`--max-p99, --max-error-rate, --step-duration, --step-factor and --max-rate apply to --mode find-max, not ${o.mode}`);
  }
  if (o.mode === 'soak' && o.intervalMs > measuredMs(o))
    throw usageError(`--interval ${o.intervalMs} ms is longer than the ${measuredMs(o)} ms run: no progress line would print`);
}

/** The measured phase's time bound (find-max: the whole search). */
export function measuredMs(o: TrafficOptions): number {
  if (o.durationMs !== null) return o.durationMs;
  if (o.mode === 'burst' && o.requests !== null) return TRAFFIC_DEFAULTS.burstCountCapMs;
  return TRAFFIC_DEFAULTS.durationMs[o.mode];
}

/** How long a phase waits for answers still in flight after it ends. */
export const graceMs = (o: TrafficOptions): number => Math.min(o.timeoutMs, TRAFFIC_DEFAULTS.maxGraceMs);
