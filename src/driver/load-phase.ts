/**
 * The concurrency phase: after registration, drive traffic through the gateway at each step's
 * concurrency for a fixed time, let it go idle, force GC, and record a `load` row with the step's
 * highest in-flight count. Memory that follows the highest concurrency ever reached, and never
 * comes back, is the operation-pool failure from the field.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { driveConcurrencyStep, type ConcurrencyTarget } from '../traffic/concurrency-step.js';
import { errorTotal } from '../traffic/result.js';
import { soapRequestsFor } from '../gateways/soap-probe.js';
import { parseWsdl } from '../wsdl/index.js';
import type { ServiceCatalog } from './service-catalog.js';
import type { ExtraPhase } from './scale-run.js';

export interface LoadPhaseConfig {
  /** Client concurrency of each step, in order (e.g. 10,40,20,80,80,30). */
  readonly steps: readonly number[];
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
}

/** Builds the phase: one `load` row per step. */
export function loadPhase(config: LoadPhaseConfig, catalog: ServiceCatalog): ExtraPhase {
  return async (run) => {
    const count = Math.min(config.services, run.services);
    if (count === 0 || config.steps.length === 0) return;
    const targets: ConcurrencyTarget[] = [];
    for (let i = 0; i < count; i++) {
      const spec = catalog.serviceAt(i);
      for (const request of soapRequestsFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName)) {
        targets.push({ url: run.adapter.requestUrl(spec, request.address), body: request.body, headers: request.headers });
      }
    }
    for (const [i, concurrency] of config.steps.entries()) {
      run.emit({ type: 'log', message: `load step ${i + 1}/${config.steps.length}: ${concurrency} clients for ${config.stepMs} ms over ${targets.length} operations` });
      const t0 = Date.now();
      const result = await run.guarded('load', () =>
        driveConcurrencyStep({ targets, concurrency, durationMs: config.stepMs, timeoutMs: config.requestTimeoutMs, ...(run.signal ? { signal: run.signal } : {}) }),
      );
      const failed = errorTotal(result.errors);
      if (failed > 0) run.emit({ type: 'warning', message: `load step ${i + 1}: ${failed} of ${result.sent} requests failed (${JSON.stringify(result.errors)})` });
      await sleep(config.idleMs);
      await run.measure('load', { concurrency: result.maxInFlight, elapsedMs: Date.now() - t0 });
    }
  };
}
