/**
 * `gwscale traffic`: drives one URL with a generator (burst, rate, find-max, soak) and returns the
 * typed result. Also re-exports `driveConcurrencyStep`, which `gwscale run` calls for its
 * concurrency phase.
 */
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';
import { assembleResult } from '../traffic/assemble.js';
import { findMaxRate } from '../traffic/find-max.js';
import { runJob, splitJob, type TrafficJob } from '../traffic/job.js';
import { checkTrafficUrl, redactUrl } from '../traffic/loopback.js';
import { intervalP99Ms, type IntervalReading } from '../traffic/open-loop.js';
import {
  defaultLocustWorkers,
  graceMs,
  measuredMs,
  TRAFFIC_DEFAULTS,
  validateTrafficOptions,
  type LocustEngineOptions,
  type TrafficOptions,
} from '../traffic/options.js';
import { loadRequest, type LoadedRequest } from '../traffic/request-source.js';
import type { FindMaxResult, FindMaxStep, FindMaxThresholds, SoakTick, TrafficResult } from '../traffic/result.js';
import { createSender } from '../traffic/senders.js';
import { runLocust } from '../traffic/locust/run.js';
import type { LocustTrafficResult } from '../traffic/locust/totals.js';
import { runJobsInWorkers } from '../traffic/worker-pool.js';

export { driveConcurrencyStep, type ConcurrencyStepOptions, type ConcurrencyTarget } from '../traffic/concurrency-step.js';
export type { FindMaxResult, FindMaxStep, SoakTick, TrafficResult } from '../traffic/result.js';
export { runLocust, type LocustRequest, type LocustRunOptions } from '../traffic/locust/run.js';
export { isLocustResult, type LocustReport, type LocustTrafficResult, type PerServiceCount } from '../traffic/locust/totals.js';
export { TRAFFIC_DEFAULTS, trafficOptionsFor, validateTrafficOptions, type GeneratorMode, type TrafficOptions } from '../traffic/options.js';
export { renderFindMaxStep, renderSoakTick, renderTrafficSummary } from '../traffic/summary.js';

/** Signal and progress callbacks of `runTraffic`. */
export interface TrafficHooks {
  readonly signal?: AbortSignal;
  /** Soak progress, every `intervalMs`. */
  readonly onSoakTick?: (tick: SoakTick) => void;
  /** Each find-max step as it finishes. */
  readonly onFindMaxStep?: (step: FindMaxStep) => void;
  /** Lines for the user while it runs (`--engine locust`: the command for workers on other machines). */
  readonly onLine?: (line: string) => void;
}

/** What `runTraffic` returns. */
export interface TrafficRun {
  readonly result: TrafficResult | FindMaxResult | LocustTrafficResult;
  /** What was sent, in one line. */
  readonly description: string;
}

function jobOf(o: TrafficOptions, request: LoadedRequest, mode: 'burst' | 'rate' | 'soak'): TrafficJob {
  return {
    mode,
    url: o.url,
    sender: { kind: request.kind, method: 'POST', headers: request.headers, body: request.body, timeoutMs: o.timeoutMs, connections: o.connections },
    client: o.httpClient,
    connections: o.connections,
    requests: o.requests,
    durationMs: measuredMs(o),
    ratePerSec: o.ratePerSec,
    maxInFlight: o.maxInFlight,
    warmup: o.warmup,
    graceMs: graceMs(o),
    intervalMs: mode === 'soak' ? o.intervalMs : null,
    phaseOffset: 0,
  };
}

/** Turns interval readings into soak lines with a running total. */
function soakTicker(onTick: ((tick: SoakTick) => void) | undefined): ((reading: IntervalReading) => void) | undefined {
  if (onTick === undefined) return undefined;
  let total = 0;
  return (reading) => {
    total += reading.completed;
    onTick({
      elapsedMs: Math.round(reading.elapsedMs),
      intervalThroughputPerSec: reading.intervalMs > 0 ? Number(((reading.completed * 1000) / reading.intervalMs).toFixed(1)) : 0,
      overallThroughputPerSec: reading.elapsedMs > 0 ? Number(((total * 1000) / reading.elapsedMs).toFixed(1)) : 0,
      intervalP99Ms: intervalP99Ms(reading),
      intervalErrors: reading.errors,
      inFlight: reading.inFlight,
    });
  };
}

async function runFindMax(o: TrafficOptions, request: LoadedRequest, hooks: TrafficHooks): Promise<FindMaxResult> {
  const thresholds: FindMaxThresholds = {
    maxP99Ms: o.maxP99Ms ?? TRAFFIC_DEFAULTS.findMaxMaxP99Ms,
    maxErrorRate: o.maxErrorRate ?? TRAFFIC_DEFAULTS.findMaxMaxErrorRate,
    minThroughputRatio: TRAFFIC_DEFAULTS.findMaxMinThroughputRatio,
  };
  const stepMs = o.stepDurationMs ?? TRAFFIC_DEFAULTS.findMaxStepMs;
  const sender = await createSender(
    'undici',
    { kind: request.kind, method: 'POST', headers: request.headers, body: request.body, timeoutMs: o.timeoutMs, connections: o.connections },
    o.url,
  );
  await sender.init(o.url);
  try {
    const search = await findMaxRate({
      sender,
      startRatePerSec: o.ratePerSec ?? TRAFFIC_DEFAULTS.findMaxStartRatePerSec,
      stepFactor: o.stepFactor ?? TRAFFIC_DEFAULTS.findMaxStepFactor,
      stepDurationMs: stepMs,
      maxRatePerSec: o.maxRatePerSec ?? TRAFFIC_DEFAULTS.findMaxMaxRatePerSec,
      refineSteps: TRAFFIC_DEFAULTS.findMaxRefineSteps,
      confirmDurationMs: 2 * stepMs,
      thresholds,
      maxInFlight: o.maxInFlight,
      budgetMs: measuredMs(o),
      warmup: o.warmup,
      graceMs: graceMs(o),
      ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
      ...(hooks.onFindMaxStep === undefined ? {} : { onStep: hooks.onFindMaxStep }),
    });
    if (search.outcome === null) {
      throw usageError(
        `--duration ${measuredMs(o)} ms leaves no room for a find-max step of ${stepMs} ms and its ${2 * stepMs} ms confirmation`,
        'give a longer --duration or a shorter --step-duration',
      );
    }
    const base = assembleResult(
      { mode: 'find-max', targets: [redactUrl(o.url)], connections: o.connections, workers: 1, requestedRatePerSec: search.ratePerSec },
      [search.outcome],
    );
    return { ...base, findMax: { maxSustainableRatePerSec: search.maxSustainableRatePerSec, confirmed: search.confirmed, thresholds, steps: search.steps } };
  } finally {
    await sender.close();
  }
}

/** `gwscale traffic --engine locust`: the request, sent by a Locust master's workers. */
async function runLocustTraffic(o: TrafficOptions, request: LoadedRequest, hooks: TrafficHooks): Promise<LocustTrafficResult> {
  const locust = o.locust ?? defaultLocustOptions();
  const dir = locust.dir ?? (await mkdtemp(join(tmpdir(), 'gwscale-locust-')));
  return runLocust({
    requests: [{ url: o.url, body: request.body, headers: request.headers, name: new URL(o.url).pathname }],
    users: o.connections,
    ratePerSec: o.mode === 'rate' ? o.ratePerSec : null,
    durationMs: measuredMs(o),
    timeoutMs: o.timeoutMs,
    localWorkers: locust.workers,
    expectWorkers: locust.expectWorkers,
    expectWorkersWaitMs: locust.expectWorkersWaitMs,
    masterBind: locust.masterBind,
    allowRemote: o.allowRemote,
    dir,
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    ...(hooks.onLine === undefined ? {} : { onLine: hooks.onLine }),
  });
}

/** Locust settings when none are given: cores − 1 local workers, the master on loopback. */
export function defaultLocustOptions(): LocustEngineOptions {
  const workers = defaultLocustWorkers(availableParallelism());
  return {
    workers,
    expectWorkers: workers,
    expectWorkersWaitMs: TRAFFIC_DEFAULTS.expectWorkersWaitMs,
    masterBind: TRAFFIC_DEFAULTS.locustMasterBind,
    dir: null,
  };
}

/**
 * Runs `gwscale traffic`: checks the URL (loopback unless `allowRemote`), builds the request, sends
 * one probe request, then the generator's warm-up and measured phase.
 * @throws GwscaleError usage (bad options, non-loopback URL), input (bad WSDL/body file), gateway (target unreachable).
 */
export async function runTraffic(options: TrafficOptions, hooks: TrafficHooks = {}): Promise<TrafficRun> {
  validateTrafficOptions(options);
  await checkTrafficUrl(options.url, options.allowRemote);
  const request = await loadRequest(options);
  let extraWarnings: string[] = [];
  if (options.skipProbe !== true) {
    // Loaded only when probing: its XML parser and node:http cost the generator ~40 ms of CPU at every start.
    const { probeTarget, probeWarnings } = await import('../traffic/probe.js');
    const probe = await probeTarget(options.url, {
      body: request.body,
      headers: request.headers,
      timeoutMs: options.timeoutMs,
      soap: request.kind === 'soap',
    });
    extraWarnings = probeWarnings(options.url, probe, request.kind === 'soap');
  }
  let result: TrafficResult | FindMaxResult | LocustTrafficResult;
  if (options.engine === 'locust') {
    result = await runLocustTraffic(options, request, hooks);
  } else if (options.mode === 'find-max') {
    result = await runFindMax(options, request, hooks);
  } else {
    const job = jobOf(options, request, options.mode);
    const onInterval = soakTicker(hooks.onSoakTick);
    const jobHooks = { ...(hooks.signal === undefined ? {} : { signal: hooks.signal }), ...(onInterval === undefined ? {} : { onInterval }) };
    const outcomes = options.workers > 1 ? await runJobsInWorkers(splitJob(job, options.workers), jobHooks) : [await runJob(job, jobHooks)];
    result = assembleResult(
      {
        mode: options.mode,
        targets: [redactUrl(options.url)],
        connections: options.connections,
        workers: options.workers,
        requestedRatePerSec: options.mode === 'burst' ? null : options.ratePerSec,
      },
      outcomes,
    );
  }
  return { result: { ...result, warnings: [...extraWarnings, ...result.warnings] }, description: request.description };
}
