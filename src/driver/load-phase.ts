/**
 * The concurrency phase: after registration, drive traffic through the gateway at each step's
 * concurrency for a fixed time, let it go idle, force GC, and record a `load` row with the step's
 * highest in-flight count. Memory that follows the highest concurrency ever reached, and never
 * comes back, is the operation-pool failure from the field.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayError } from '../errors.js';
import { driveConcurrencyStep, type ConcurrencyTarget } from '../traffic/concurrency-step.js';
import { runLocust } from '../traffic/locust/run.js';
import { withTargetCount } from '../traffic/locust/totals.js';
import type { TrafficEngine } from '../traffic/options.js';
import { errorTotal, type TrafficResult } from '../traffic/result.js';
import { soapRequestsFor } from '../gateways/soap-probe.js';
import { parseWsdl } from '../wsdl/index.js';
import type { ServiceCatalog } from './service-catalog.js';
import type { ExtraPhase, PhaseContext } from './scale-run.js';
import { sequentialLoadDecision, type LoadSequentialDecision } from '../analysis/sequential.js';
import type { IntOrAuto } from '../option-spec.js';
import type { Round } from '../run-log/round.js';

export interface LoadPhaseConfig {
  /** Client concurrency of each step, in order (e.g. 10,40,20,80,80,30). */
  readonly steps: readonly number[];
  /**
   * Steps at the highest concurrency of `steps` after them: a count, or `auto` (one at a time until
   * the sequential traffic test decides, at most `max`). Default none.
   */
  readonly repeats?: IntOrAuto;
  readonly stepMs: number;
  /** Quiet time after a step before the memory reading (in-flight work drains). */
  readonly idleMs: number;
  /**
   * Services whose operations get the traffic. Few, on purpose: per-operation pools grow with the
   * concurrency each operation sees, and spreading C clients over thousands of operations would
   * give each almost none — a slow backend concentrates it, as in the field.
   */
  readonly services: number;
  readonly requestTimeoutMs: number;
  /** Who sends; default gwscale's own closed-loop clients. */
  readonly engine?: TrafficEngine;
  /** With Locust: workers on this machine, and the folder for its files (one subfolder per step). */
  readonly locust?: { readonly workers: number; readonly dir: string };
}

/** Where Locust's totals are checked: the SOAP backend's own count of what it answered. */
export interface LoadPhaseDeps {
  readonly backendRequests?: () => Promise<number>;
  /** The decision `--load-repeats auto` asks after each look; `sequentialLoadDecision` unless a test passes its own. */
  readonly decide?: (rows: readonly Round[], repeats: number, max: number) => LoadSequentialDecision;
}

/** Locust's users (one step's concurrency) over the targets, its totals checked against the backend. */
async function locustStep(
  config: LoadPhaseConfig,
  deps: LoadPhaseDeps,
  targets: readonly (ConcurrencyTarget & { name: string })[],
  step: number,
  concurrency: number,
  run: PhaseContext,
): Promise<TrafficResult> {
  const locust = config.locust ?? { workers: 1, dir: 'locust' };
  const before = deps.backendRequests === undefined ? null : await deps.backendRequests();
  const workers = Math.min(locust.workers, concurrency);
  let result = await runLocust({
    requests: targets,
    users: concurrency,
    ratePerSec: null,
    durationMs: config.stepMs,
    timeoutMs: config.requestTimeoutMs,
    localWorkers: workers,
    expectWorkers: workers,
    expectWorkersWaitMs: 60_000,
    masterBind: '127.0.0.1',
    allowRemote: false,
    dir: join(locust.dir, `step-${step}`),
    ...(run.signal ? { signal: run.signal } : {}),
  });
  if (before !== null && deps.backendRequests !== undefined) result = withTargetCount(result, 'the SOAP backend', (await deps.backendRequests()) - before);
  const check =
    result.locust.targetCount === null
      ? ''
      : `; the SOAP backend counted ${result.locust.targetCount.requests}${result.locust.targetCount.matches ? ' (the same)' : ''}`;
  run.emit({
    type: 'log',
    message: `load step ${step} (locust ${result.locust.version}, ${result.workers} worker${result.workers === 1 ? '' : 's'}): ${result.completed} requests, ${result.throughputPerSec}/s, p99 ${result.latency.p99Ms} ms${check}`,
  });
  for (const warning of result.warnings) run.emit({ type: 'warning', message: `load step ${step} (locust): ${warning}` });
  if (result.locust.missingWorkers.length > 0)
    throw gatewayError(`load step ${step}: ${result.locust.missingWorkers.join('; ')}`, { hint: `the Locust logs are in ${join(locust.dir, `step-${step}`)}` });
  return result;
}

/** Builds the phase: one `load` row per step. */
export function loadPhase(config: LoadPhaseConfig, catalog: ServiceCatalog, deps: LoadPhaseDeps = {}): ExtraPhase {
  return async (run) => {
    const count = Math.min(config.services, run.services);
    if (count === 0 || config.steps.length === 0) return;
    const targets: (ConcurrencyTarget & { name: string })[] = [];
    for (let i = 0; i < count; i++) {
      const spec = catalog.serviceAt(i);
      for (const request of soapRequestsFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName)) {
        targets.push({
          url: run.adapter.requestUrl(spec, request.address),
          body: request.body,
          headers: request.headers,
          name: `${spec.serviceName} ${request.operation}`,
        });
      }
    }
    const engine = config.engine ?? 'gwscale';
    const repeats = config.repeats ?? 0;
    const top = Math.max(...config.steps);
    const planned = config.steps.length + (typeof repeats === 'number' ? repeats : 0);
    const step = async (i: number, concurrency: number): Promise<void> => {
      const label =
        i < config.steps.length
          ? `load step ${i + 1}/${config.steps.length}`
          : `load step ${i + 1} (repeat ${i + 1 - config.steps.length} of the highest concurrency)`;
      run.emit({
        type: 'log',
        message: `${label}: ${concurrency} ${engine === 'locust' ? 'Locust users' : 'clients'} for ${config.stepMs} ms over ${targets.length} operations`,
      });
      const t0 = Date.now();
      const result = await run.guarded('load', () =>
        engine === 'locust'
          ? locustStep(config, deps, targets, i + 1, concurrency, run)
          : driveConcurrencyStep({
              targets,
              concurrency,
              durationMs: config.stepMs,
              timeoutMs: config.requestTimeoutMs,
              ...(run.signal ? { signal: run.signal } : {}),
            }),
      );
      const failed = errorTotal(result.errors);
      if (failed > 0)
        run.emit({ type: 'warning', message: `load step ${i + 1}: ${failed} of ${result.sent} requests failed (${JSON.stringify(result.errors)})` });
      await sleep(config.idleMs);
      // Locust's users are closed-loop clients: at most one request each in flight, so the step's users.
      await run.measure('load', { concurrency: result.maxInFlight, requests: result.completed, elapsedMs: Date.now() - t0 });
    };
    for (let i = 0; i < planned; i++) await step(i, i < config.steps.length ? (config.steps[i] as number) : top);
    if (typeof repeats === 'number') return;
    // auto: look after the planned steps, then after each repeat of the highest concurrency.
    const decide = deps.decide ?? sequentialLoadDecision;
    for (let r = 0; ; r++) {
      const decision = decide(run.rows(), r, repeats.max);
      const record = { type: 'load-sequential', repeats: r, max: repeats.max, state: decision.state, reason: decision.reason } as const;
      run.record(record);
      run.emit(record);
      if (decision.state !== 'continue' || r >= repeats.max) return;
      await step(config.steps.length + r, top);
    }
  };
}
