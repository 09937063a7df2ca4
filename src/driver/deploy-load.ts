/**
 * Deploys under traffic (`--deploy-under-load C`): C closed-loop clients on kept-alive connections
 * send SOAP requests through the gateway to a few registered services for as long as a deploy runs.
 * Real reloads happen under traffic; this is where reload-driven proxies keep old workers or old
 * VCLs alive, which the memory reading after the deploy then shows.
 */
import { soapRequestsFor } from '../gateways/soap-probe.js';
import { processTree } from '../sampling/pss.js';
import type { GatewayAdapter } from '../gateways/adapter.js';
import { driveConcurrencyStep, type ConcurrencyTarget } from '../traffic/concurrency-step.js';
import { errorTotal } from '../traffic/result.js';
import { parseWsdl } from '../wsdl/index.js';
import type { RunConfig } from './config.js';
import type { ServiceCatalog } from './service-catalog.js';
import type { DeployLoadSummary } from '../run-log/records.js';

export type { DeployLoadSummary };

/** What the traffic during one deploy did, as recorded in the deploy's record. */
export interface DeployLoadOptions {
  readonly concurrency: number;
  /** Services (the first ones registered) whose operations get the traffic. */
  readonly services: number;
  readonly requestTimeoutMs: number;
  /** Longest the traffic may run if nobody stops it (a bound, not the expected time). */
  readonly maxMs: number;
}

/** A running load; `stop` counts the gateway's processes, ends the traffic and resolves with what it did. */
export interface DeployLoad {
  stop(gatewayPid: number | null): Promise<DeployLoadSummary>;
}

/** Processes in the tree under `pid` now, or null when there is none or /proc cannot tell. */
function countProcesses(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return processTree(pid).length;
  } catch {
    return null;
  }
}

/**
 * Starts C clients over every operation of the first `options.services` of the `deployed` services
 * (those the gateway already serves). Returns null when none is deployed yet.
 */
export function startDeployLoad(adapter: GatewayAdapter, catalog: ServiceCatalog, deployed: number, options: DeployLoadOptions): DeployLoad | null {
  const count = Math.min(options.services, deployed);
  if (count === 0 || options.concurrency < 1) return null;
  const targets: ConcurrencyTarget[] = [];
  for (let i = 0; i < count; i++) {
    const spec = catalog.serviceAt(i);
    for (const request of soapRequestsFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName)) {
      targets.push({ url: adapter.requestUrl(spec, request.address), body: request.body, headers: request.headers });
    }
  }
  if (targets.length === 0) return null;
  const abort = new AbortController();
  const running = driveConcurrencyStep({
    targets,
    concurrency: options.concurrency,
    durationMs: options.maxMs,
    timeoutMs: options.requestTimeoutMs,
    signal: abort.signal,
  });
  return {
    async stop(gatewayPid: number | null): Promise<DeployLoadSummary> {
      const gatewayProcesses = countProcesses(gatewayPid);
      abort.abort();
      const result = await running;
      return {
        concurrency: options.concurrency,
        sent: result.sent,
        ok: result.ok,
        failed: errorTotal(result.errors),
        maxInFlight: result.maxInFlight,
        gatewayProcesses,
      };
    },
  };
}

/** The load `--deploy-under-load` asks for around one deploy, or null when it asks for none. */
export function deployLoadFor(config: RunConfig, adapter: GatewayAdapter, catalog: ServiceCatalog, deployed: number): DeployLoad | null {
  const concurrency = config.deployUnderLoad ?? 0;
  if (concurrency === 0) return null;
  return startDeployLoad(adapter, catalog, deployed, {
    concurrency,
    services: config.loadServices,
    requestTimeoutMs: Math.max(10_000, config.backendLatencyMs * 5),
    // A deploy is bounded by the call timeout (and retries); the traffic by twice that.
    maxMs: config.callTimeoutMs * 2,
  });
}
