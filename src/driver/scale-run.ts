/**
 * The registration scale run: rounds of registrations, one deploy of the whole configuration per
 * round, memory measured after each (live set after GC, RSS, peak during the deploy), restarts and
 * redeploys at the points asked for. Every measurement is appended to the run log as it is taken.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import type { Round, RoundEvent } from '../analysis/round.js';
import type { GatewayAdapter, GatewayCounts, GatewayExit, GatewayInfo } from '../gateways/adapter.js';
import { GwscaleError, gatewayError, messageOf } from '../errors.js';
import { harnessVersion } from '../version.js';
import { readProcessUsage, rssSource, clearProcessHistory } from '../sampling/process-usage.js';
import { startSampler } from '../sampling/sampler.js';
import type { RunConfig } from './config.js';
import { settingsOf } from './config.js';
import type { RunListener } from './events.js';
import { RunLogWriter, RUN_LOG_FILE } from './run-log.js';
import { RUN_LOG_SCHEMA, type RunEndRecord } from './records.js';
import type { ServiceCatalog } from './service-catalog.js';
import type { ServiceSpec } from '../wsdl/model.js';

/** How a run ended. Every state still leaves a complete run log behind. */
export type RunState = RunEndRecord['state'];

export interface ScaleRunResult {
  readonly state: RunState;
  readonly runDir: string;
  readonly runLogPath: string;
  /** The error that ended the run early (a crash, an unreachable gateway), if any. */
  readonly error: GwscaleError | null;
}

/** What the driver needs from its surroundings; the API layer wires the real ones. */
export interface ScaleRunDeps {
  readonly catalog: ServiceCatalog;
  readonly adapter: GatewayAdapter;
  readonly listener?: RunListener;
  readonly signal?: AbortSignal;
}

/** The gateway process exited while the driver was not restarting it. */
export class GatewayCrash extends Error {
  constructor(readonly phase: string, readonly exit: GatewayExit) {
    super(`gateway exited during ${phase} (${exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.exitCode)}`})`);
  }
}

class Interrupted extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Services per round: `batch` at a time up to `services`. */
export function roundTargets(services: number, batch: number): number[] {
  const targets: number[] = [];
  for (let n = Math.min(batch, services); n <= services; n = n === services ? services + 1 : Math.min(n + batch, services)) targets.push(n);
  return targets;
}

/** Runs the scale test; resolves with how it ended (it does not throw for gateway failures). */
export async function runScale(config: RunConfig, deps: ScaleRunDeps): Promise<ScaleRunResult> {
  const { catalog, adapter } = deps;
  const emit: RunListener = deps.listener ?? (() => undefined);
  mkdirSync(config.outDir, { recursive: true });
  const runLogPath = join(config.outDir, RUN_LOG_FILE);
  const log = new RunLogWriter(runLogPath);
  const started = Date.now();
  const cpuAtStart = process.cpuUsage();
  let gatewayCpuSeconds = 0;
  let rowIndex = 0;
  let registered = 0;
  let operationsTotal = 0;
  let policiesTotal = 0;
  let phase = 'start';
  /** What the last measurement and the last deploy saw: the crash row is built from them. */
  const last: { memoryBytes: number | null; memorySource: string; peakBytes: number | null } = { memoryBytes: null, memorySource: 'none', peakBytes: null };

  log.append({
    type: 'run-start',
    schema: RUN_LOG_SCHEMA,
    at: new Date(started).toISOString(),
    harnessVersion,
    nodeVersion: process.version,
    target: config.target,
    profile: config.profile,
    settings: settingsOf(config),
  });

  /** Races a gateway call against the gateway process dying; a death becomes a GatewayCrash. */
  const guarded = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    phase = what;
    if (deps.signal?.aborted) throw new Interrupted();
    const exit = adapter.exited().then((e) => ({ exit: e }));
    try {
      const outcome = await Promise.race([work().then((value) => ({ value })), exit]);
      if ('exit' in outcome) throw new GatewayCrash(what, outcome.exit);
      return outcome.value;
    } catch (error) {
      if (error instanceof GatewayCrash) throw error;
      // A call that failed because the gateway is dying: wait a moment for the exit to show.
      const died = await Promise.race([exit, sleep(2000).then(() => null)]);
      if (died) throw new GatewayCrash(what, died.exit);
      throw error;
    }
  };

  const addGatewayCpu = async (): Promise<void> => {
    const pid = adapter.pid();
    if (pid === null) return;
    try {
      gatewayCpuSeconds += (await readProcessUsage(pid)).cpuSeconds;
    } catch {
      // The process is already gone (a crash): its CPU time is lost with it.
    }
  };

  const startGateway = async (reason: 'start' | 'restart'): Promise<void> => {
    const t0 = Date.now();
    phase = reason;
    if (reason === 'restart') await addGatewayCpu();
    const info: GatewayInfo = reason === 'restart' ? await adapter.restart() : await adapter.start();
    const startMs = Date.now() - t0;
    log.append({ type: 'gateway-start', at: new Date().toISOString(), version: info.version, pid: info.pid, reason, startMs });
    emit({ type: 'gateway-started', version: info.version, pid: info.pid, reason });
  };

  const measure = async (
    event: RoundEvent,
    timing: { registerMs: number | null; deployMs: number | null; peakBytes: number | null; preDeployBytes: number | null; t0: number },
  ): Promise<Round> => {
    const live = await guarded('measure', () => adapter.liveMemory());
    const pid = adapter.pid();
    let rssBytes: number | null = live.extra?.rssBytes ?? null;
    if (pid !== null) {
      try {
        rssBytes = (await readProcessUsage(pid)).rssBytes;
      } catch {
        // keep the gateway's own RSS figure
      }
    }
    const row: Round = {
      index: rowIndex++,
      event,
      services: registered,
      memoryBytes: live.bytes,
      memorySource: live.source,
      afterGc: live.afterGc,
      rssBytes,
      peakBytes: timing.peakBytes,
      preDeployBytes: timing.preDeployBytes,
      registerMs: timing.registerMs,
      deployMs: timing.deployMs,
      elapsedMs: Date.now() - timing.t0,
      concurrency: null,
    };
    last.memoryBytes = live.bytes;
    last.memorySource = live.source;
    log.append({ type: 'round', round: row, ...(live.extra ? { extra: live.extra } : {}) });
    log.sync();
    emit({ type: 'measured', row });
    return row;
  };

  /** One deploy of the whole configuration, with the peak RSS sampled while it runs. */
  const deploy = async (round: number): Promise<{ deployMs: number; peakBytes: number | null; preDeployBytes: number | null }> => {
    emit({ type: 'deploy-start', services: registered });
    const pid = adapter.pid();
    let preDeployBytes: number | null = null;
    let sampler: ReturnType<typeof startSampler> | null = null;
    if (pid !== null) {
      try {
        preDeployBytes = (await readProcessUsage(pid)).rssBytes;
      } catch {
        preDeployBytes = null;
      }
      const t0 = started;
      sampler = startSampler(rssSource(pid), config.sampleIntervalMs, (reading) =>
        log.append({ type: 'sample', t: Date.now() - t0, phase: 'deploy', services: registered, source: reading.source, bytes: reading.bytes }),
      );
    }
    let outcome;
    try {
      outcome = await guarded('deploy', () => adapter.deploy());
    } finally {
      const summary = sampler ? await sampler.stop() : null;
      last.peakBytes = summary?.peakBytes ?? null;
    }
    log.append({
      type: 'deploy',
      round,
      services: registered,
      state: outcome.state,
      ms: outcome.ms,
      ...(outcome.state === 'failed' ? { reason: outcome.reason } : {}),
    });
    if (outcome.state === 'failed') {
      emit({ type: 'warning', message: `deploy of ${registered} services failed: ${outcome.reason}` });
    }
    return { deployMs: outcome.ms, peakBytes: last.peakBytes, preDeployBytes };
  };

  const confirmCounts = async (): Promise<void> => {
    const actual = await guarded('listing', () => adapter.listing());
    const expected: GatewayCounts = {
      serviceGroups: actual.serviceGroups === null ? null : registered,
      services: registered,
      operations: actual.operations === null ? null : operationsTotal,
      circuits: actual.circuits,
      attachedPolicies: actual.attachedPolicies === null ? null : policiesTotal,
    };
    const matches =
      actual.services === expected.services &&
      (expected.serviceGroups === null || actual.serviceGroups === expected.serviceGroups) &&
      (expected.operations === null || actual.operations === expected.operations) &&
      (expected.attachedPolicies === null || actual.attachedPolicies === expected.attachedPolicies);
    log.append({ type: 'listing', services: registered, expected, actual, matches });
    if (!matches) emit({ type: 'warning', message: `gateway listing does not match what was registered: expected ${JSON.stringify(expected)}, gateway says ${JSON.stringify(actual)}` });
  };

  const verify = async (from: number, to: number): Promise<void> => {
    if (config.verify === 'none') return;
    const first = config.verify === 'all' ? 0 : from;
    const specs: ServiceSpec[] = [];
    for (let i = first; i < to; i++) specs.push(catalog.serviceAt(i));
    const outcomes = await guarded('verify', () => adapter.verify(specs));
    const failures = outcomes.filter((o) => !o.ok);
    log.append({ type: 'verify', services: registered, checked: outcomes.length, failed: failures.length, failures: failures.slice(0, 20) });
    if (failures.length > 0) emit({ type: 'warning', message: `${failures.length} of ${outcomes.length} services did not answer through the gateway (first: ${failures[0]?.serviceName}: ${failures[0]?.error ?? failures[0]?.status})` });
  };

  const registerRange = async (round: number, from: number, to: number): Promise<number> => {
    const t0 = Date.now();
    const limit = pLimit(config.concurrency);
    const failures: string[] = [];
    let failed = 0;
    let operations = 0;
    let attachedPolicies = 0;
    const tasks: Promise<void>[] = [];
    for (let i = from; i < to; i++) {
      tasks.push(
        limit(async () => {
          if (deps.signal?.aborted) return;
          const spec = catalog.serviceAt(i);
          try {
            const outcome = await adapter.register(spec);
            operations += outcome.operations;
            attachedPolicies += outcome.attachedPolicies;
          } catch (error) {
            failed++;
            if (failures.length < 10) failures.push(`${spec.serviceName}: ${messageOf(error)}`);
          }
          registered++;
          emit({ type: 'registered', services: registered, roundTarget: to });
        }),
      );
    }
    await guarded('register', () => Promise.all(tasks));
    if (deps.signal?.aborted) throw new Interrupted();
    const ms = Date.now() - t0;
    operationsTotal += operations;
    policiesTotal += attachedPolicies;
    log.append({ type: 'register', round, from, to, ms, operations, attachedPolicies, failed, failures });
    if (failed > 0) emit({ type: 'warning', message: `${failed} of ${to - from} registrations failed (first: ${failures[0]})` });
    return ms;
  };

  let state: RunState = 'completed';
  let endError: GwscaleError | null = null;
  try {
    await startGateway('start');
    await measure('round', { registerMs: null, deployMs: null, peakBytes: null, preDeployBytes: null, t0: Date.now() });

    const targets = roundTargets(config.services, config.batch);
    let round = 0;
    for (const to of targets) {
      round++;
      const from = registered;
      const t0 = Date.now();
      emit({ type: 'round-start', round, from, to, total: config.services });
      const registerMs = await registerRange(round, from, to);
      const deployed = await deploy(round);
      await measure('round', { registerMs, ...deployed, t0 });
      await confirmCounts();
      await verify(from, to);
      if (config.restartAt.includes(to)) {
        const tr = Date.now();
        await startGateway('restart');
        await measure('restart', { registerMs: null, deployMs: null, peakBytes: null, preDeployBytes: null, t0: tr });
        await confirmCounts();
      }
    }
    for (let r = 1; r <= config.redeploys; r++) {
      const t0 = Date.now();
      const deployed = await deploy(round + r);
      await measure('redeploy', { registerMs: null, ...deployed, t0 });
    }
    if (config.redeploys > 0) await confirmCounts();
  } catch (error) {
    if (error instanceof Interrupted || deps.signal?.aborted) {
      state = 'interrupted';
    } else if (error instanceof GatewayCrash) {
      state = 'crashed';
      log.append({ type: 'crash', at: new Date().toISOString(), services: registered, phase: error.phase, exit: error.exit });
      const row: Round = {
        index: rowIndex++,
        event: 'crash',
        services: registered,
        // The last live-set reading before the crash; the peak shows how far the deploy got.
        memoryBytes: last.memoryBytes ?? 0,
        memorySource: last.memorySource,
        afterGc: false,
        rssBytes: null,
        peakBytes: last.peakBytes,
        preDeployBytes: null,
        registerMs: null,
        deployMs: null,
        elapsedMs: null,
        concurrency: null,
      };
      log.append({ type: 'round', round: row });
      endError = gatewayError(`the gateway crashed during ${error.phase} at ${registered} services`, {
        hint: error.exit.stderrTail.slice(-1)[0] ?? 'see the crash record in the report',
      });
    } else {
      state = 'failed';
      endError = error instanceof GwscaleError ? error : gatewayError(messageOf(error), { cause: error });
      log.append({ type: 'error', at: new Date().toISOString(), phase, message: messageOf(error) });
    }
  } finally {
    if (state !== 'crashed') await addGatewayCpu();
    await adapter.stop().catch(() => undefined);
    clearProcessHistory();
    const cpu = process.cpuUsage(cpuAtStart);
    log.append({
      type: 'run-end',
      at: new Date().toISOString(),
      state,
      overhead: { harnessCpuSeconds: (cpu.user + cpu.system) / 1e6, gatewayCpuSeconds },
      wallSeconds: (Date.now() - started) / 1000,
    });
    log.close();
  }
  return { state, runDir: config.outDir, runLogPath, error: endError };
}
