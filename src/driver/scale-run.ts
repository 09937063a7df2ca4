/**
 * The registration scale run: rounds of registrations, one deploy of the whole configuration per
 * round, memory measured after each (live set after GC, RSS, peak during the deploy), restarts and
 * redeploys at the points asked for. Every measurement is appended to the run log as it is taken,
 * so a gateway crash, a failing API or a killed harness loses nothing already measured.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { meanOfReadings, type PeakSource, type Round, type RoundEvent } from '../run-log/round.js';
import { sequentialRedeployDecision, type SequentialDecision, type SequentialOptions } from '../analysis/sequential.js';
import type { DeployOutcome, GatewayAdapter, GatewayCounts, GatewayExit, GatewayInfo, VerifyOutcome } from '../gateways/adapter.js';
import { GwscaleError, gatewayError, messageOf } from '../errors.js';
import { harnessVersion } from '../version.js';
import { readProcessUsage, rssSource, clearProcessHistory } from '../sampling/process-usage.js';
import { startSampler, type Sampler } from '../sampling/sampler.js';
import type { MemoryReading, MemorySource } from '../sampling/source.js';
import type { ServiceSpec } from '../wsdl/model.js';
import { settingsOf, type RunConfig } from './config.js';
import type { RunListener } from './events.js';
import { RunLogWriter, RUN_LOG_FILE } from './run-log.js';
import { RUN_LOG_SCHEMA, type GatewayStartRecord, type RunEndRecord } from '../run-log/records.js';
import type { ResumePoint } from './resume.js';
import type { ServiceCatalog } from './service-catalog.js';
import { deployLoadFor, type DeployLoadSummary } from './deploy-load.js';

/** How a run ended. Every state still leaves a complete run log behind. */
export type RunState = RunEndRecord['state'];

export interface ScaleRunResult {
  readonly state: RunState;
  readonly runDir: string;
  readonly runLogPath: string;
  /** The error that ended the run early (a crash, an unreachable gateway), if any. */
  readonly error: GwscaleError | null;
}

/** A phase run after registration (the traffic/concurrency phase), given the means to measure. */
export type ExtraPhase = (run: PhaseContext) => Promise<void>;

export interface PhaseContext {
  readonly adapter: GatewayAdapter;
  readonly services: number;
  readonly signal: AbortSignal | undefined;
  /** Measures the gateway after GC and appends a row of this event (with `concurrency` for load rows). */
  measure(event: RoundEvent, extra: { concurrency?: number; elapsedMs?: number }): Promise<Round>;
  /** Runs work while the gateway is watched for a crash. */
  guarded<T>(phase: string, work: () => Promise<T>): Promise<T>;
  emit: RunListener;
}

/** What the driver needs from its surroundings; the API layer wires the real ones. */
export interface ScaleRunDeps {
  readonly catalog: ServiceCatalog;
  readonly adapter: GatewayAdapter;
  readonly listener?: RunListener;
  readonly signal?: AbortSignal;
  /** Continue an interrupted run from this point (appending to its log). */
  readonly resume?: ResumePoint;
  /** Restart the gateway after a crash and go on (at most this many times); 0 = stop at a crash. */
  readonly crashRestarts?: number;
  readonly phases?: readonly ExtraPhase[];
  /** Rows an earlier session of this run measured (`--resume`), for the sequential test. */
  readonly priorRows?: readonly Round[];
  /**
   * The decision `--redeploys auto` asks after each redeploy; `sequentialRedeployDecision` unless a
   * caller (a test) passes its own.
   */
  readonly sequentialDecision?: SequentialDecider;
}

/** Decides, from the rows so far, whether `--redeploys auto` has seen enough. */
export type SequentialDecider = (rows: readonly Round[], options: SequentialOptions) => SequentialDecision;

/** The gateway process exited while the driver was not restarting it. */
export class GatewayCrash extends Error {
  constructor(readonly phase: string, readonly exit: GatewayExit) {
    super(`gateway exited during ${phase} (${exit.signal ? `signal ${exit.signal}` : `exit code ${String(exit.exitCode)}`})`);
  }
}

class Interrupted extends Error {}

/** The line of a dead gateway's output that says why (out of memory first), else its last non-empty line. */
export function telltaleLine(tail: readonly string[]): string | null {
  const why = tail.find((l) => /out of memory|OutOfMemoryError|FATAL|panic:|Killed/i.test(l));
  return (why ?? [...tail].reverse().find((l) => l.trim() !== '') ?? null)?.trim() ?? null;
}

/** Shortest interval between deploy-peak samples of a process tree (each one scans /proc). */
const TREE_SAMPLE_MIN_INTERVAL_MS = 100;

/** Services verified per adapter call: bounds the WSDL texts held at once. */
const VERIFY_SLICE = 1000;

/** Services reached after each round: `batch` at a time up to `services`. */
export function roundTargets(services: number, batch: number): number[] {
  const targets: number[] = [];
  for (let n = batch; n < services + batch; n += batch) targets.push(Math.min(n, services));
  return targets;
}

interface DeployMeasure {
  readonly deployMs: number;
  /** Highest reading while the deploy ran, and the reading just before it, both of `peakSource`. */
  readonly peakBytes: number | null;
  readonly preDeployBytes: number | null;
  readonly peakSource: PeakSource;
  /** With a heap peak: the RSS peak and pre-deploy RSS beside it (`peakRssBytes`, `preDeployRssBytes`). */
  readonly extra: Readonly<Record<string, number>>;
  readonly outcome: DeployOutcome;
}

class ScaleRun {
  private readonly log: RunLogWriter;
  private readonly emit: RunListener;
  private readonly started = Date.now();
  private readonly cpuAtStart = process.cpuUsage();
  private gatewayCpuSeconds = 0;
  private samplesTaken = 0;
  /** CPU seconds of the running gateway process at its last reading. */
  private lastGatewayCpuSeconds = 0;
  private rowIndex: number;
  private registered: number;
  /** Services the gateway served after the last successful deploy (where --deploy-under-load sends traffic). */
  private servedServices: number;
  private operationsTotal: number;
  private policiesTotal: number;
  private phase = 'start';
  private crashRestartsLeft: number;
  private resumedRowPending: boolean;
  /** Set by a crash restart: the fresh gateway holds only what was deployed before the crash. */
  private restartedAfterCrash = false;
  /** What the last measurement and deploy saw: a crash row is built from them. */
  private last = { memoryBytes: null as number | null, memorySource: 'none', peakBytes: null as number | null, peakSource: 'rss' as PeakSource };
  /** Every row of the run so far (those of an earlier session first): what the sequential test reads. */
  private readonly rows: Round[];
  private readonly decideRedeploys: SequentialDecider;

  constructor(
    private readonly config: RunConfig,
    private readonly deps: ScaleRunDeps,
    readonly runLogPath: string,
  ) {
    this.log = new RunLogWriter(runLogPath);
    this.emit = deps.listener ?? (() => undefined);
    this.rowIndex = deps.resume?.rows ?? 0;
    this.registered = deps.resume?.services ?? 0;
    this.servedServices = this.registered;
    this.operationsTotal = deps.resume?.operations ?? 0;
    this.policiesTotal = deps.resume?.attachedPolicies ?? 0;
    this.crashRestartsLeft = deps.crashRestarts ?? 0;
    this.resumedRowPending = deps.resume !== undefined;
    this.rows = [...(deps.priorRows ?? [])];
    this.decideRedeploys = deps.sequentialDecision ?? sequentialRedeployDecision;
  }

  private get adapter(): GatewayAdapter {
    return this.deps.adapter;
  }

  /** Races gateway work against the gateway dying and against SIGINT/SIGTERM. */
  async guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.phase = what;
    const signal = this.deps.signal;
    if (signal?.aborted) throw new Interrupted();
    const exit = this.adapter.exited().then((e) => ({ exit: e }));
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<{ aborted: true }>((resolve) => {
      onAbort = () => resolve({ aborted: true });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([work().then((value) => ({ value })), exit, aborted]);
      if ('exit' in outcome) throw new GatewayCrash(what, outcome.exit);
      if ('aborted' in outcome) throw new Interrupted();
      return outcome.value;
    } catch (error) {
      if (error instanceof GatewayCrash || error instanceof Interrupted) throw error;
      // A call that failed because the gateway is dying: give the exit a moment to show.
      const died = await Promise.race([exit, sleep(2000).then(() => null)]);
      if (died) throw new GatewayCrash(what, died.exit);
      throw error;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Adds the CPU time of the gateway process now running (before it is stopped or after it died). */
  private async addGatewayCpu(): Promise<void> {
    const pid = this.adapter.pid();
    let cpuSeconds = this.lastGatewayCpuSeconds;
    if (pid !== null) {
      // A dead process has no CPU time to read: the last reading taken while it lived stands.
      cpuSeconds = await readProcessUsage(pid).then((u) => u.cpuSeconds, () => cpuSeconds);
    }
    this.gatewayCpuSeconds += cpuSeconds;
    this.lastGatewayCpuSeconds = 0;
  }

  private async startGateway(reason: GatewayStartRecord['reason']): Promise<void> {
    const t0 = Date.now();
    this.phase = reason;
    if (reason === 'restart') await this.addGatewayCpu();
    const info: GatewayInfo = reason === 'restart' ? await this.adapter.restart() : await this.adapter.start();
    const startMs = Date.now() - t0;
    this.log.append({ type: 'gateway-start', at: new Date().toISOString(), version: info.version, pid: info.pid, reason, startMs });
    this.emit({ type: 'gateway-started', version: info.version, pid: info.pid, reason });
  }

  /**
   * Measures one point: `config.readings` live-memory readings, `readingIntervalMs` apart, each
   * after its own forced GC where the target forces GC (`adapter.liveMemory()` does). The row holds
   * their mean and every reading; RSS and the source's extra numbers are the last reading's.
   */
  async measure(
    event: RoundEvent,
    timing: { registerMs?: number | null; deploy?: DeployMeasure; t0?: number; concurrency?: number; elapsedMs?: number },
  ): Promise<Round> {
    const readings: number[] = [];
    let live = await this.guarded('measure', () => this.adapter.liveMemory());
    readings.push(live.bytes);
    while (readings.length < this.config.readings) {
      await this.guarded('measure', () => sleep(this.config.readingIntervalMs));
      live = await this.guarded('measure', () => this.adapter.liveMemory());
      readings.push(live.bytes);
    }
    const pid = this.adapter.pid();
    let rssBytes: number | null = live.extra?.rssBytes ?? null;
    if (pid !== null) {
      try {
        const usage = await readProcessUsage(pid);
        rssBytes = usage.rssBytes;
        this.lastGatewayCpuSeconds = usage.cpuSeconds;
      } catch {
        // keep the gateway's own RSS figure
      }
    }
    const memoryBytes = meanOfReadings(readings);
    const deploy = timing.deploy;
    const row: Round = {
      index: this.rowIndex++,
      event,
      services: this.registered,
      memoryBytes,
      // One reading is the row itself: the field is kept for points read more than once.
      ...(readings.length > 1 ? { readingsBytes: readings } : {}),
      memorySource: live.source,
      afterGc: live.afterGc,
      rssBytes,
      peakBytes: deploy?.peakBytes ?? null,
      ...(deploy ? { peakSource: deploy.peakSource } : {}),
      preDeployBytes: deploy?.preDeployBytes ?? null,
      registerMs: timing.registerMs ?? null,
      deployMs: deploy?.deployMs ?? null,
      elapsedMs: timing.elapsedMs ?? (timing.t0 === undefined ? null : Date.now() - timing.t0),
      concurrency: timing.concurrency ?? null,
      ...(this.resumedRowPending ? { resumed: true } : {}),
    };
    this.resumedRowPending = false;
    this.last.memoryBytes = memoryBytes;
    this.last.memorySource = live.source;
    const extra = { ...live.extra, ...deploy?.extra };
    this.log.append({ type: 'round', round: row, ...(Object.keys(extra).length > 0 ? { extra } : {}) });
    this.log.sync();
    this.rows.push(row);
    this.emit({ type: 'measured', row });
    return row;
  }

  /**
   * One deploy of the whole configuration, with the peak sampled while it runs: heap in use where
   * the target can read it cheaply (the kind of memory the verdict projects), and RSS beside it.
   */
  private async deploy(round: number): Promise<DeployMeasure> {
    this.emit({ type: 'deploy-start', services: this.registered });
    const pid = this.adapter.pid();
    const heapSource = this.adapter.heapInUseSource?.() ?? null;
    const onSample = (reading: MemoryReading): void => {
      this.samplesTaken++;
      this.log.append({ type: 'sample', t: Date.now() - this.started, phase: 'deploy', services: this.registered, source: reading.source, bytes: reading.bytes });
    };
    this.last.peakBytes = null;
    let preDeployRssBytes: number | null = null;
    let rssSampler: Sampler | null = null;
    // A target measured as a process tree (HAProxy's master and workers, Varnish's manager and child)
    // peaks in the whole tree: an old worker still serving is memory the deploy needs too.
    const treeSource = this.adapter.processTreeSource?.() ?? null;
    const osPeakSource: PeakSource = treeSource !== null ? 'pss-tree' : 'rss';
    if (pid !== null) {
      const osSource: MemorySource = treeSource ?? rssSource(pid);
      preDeployRssBytes = await osSource.read().then((r) => r.bytes, () => null);
      // A tree reading scans /proc (tens of ms on a loaded machine): not more often than every 100 ms.
      const intervalMs = treeSource === null ? this.config.sampleIntervalMs : Math.max(this.config.sampleIntervalMs, TREE_SAMPLE_MIN_INTERVAL_MS);
      rssSampler = startSampler(osSource, intervalMs, onSample);
    }
    let preDeployHeapBytes: number | null = null;
    let heapSampler: Sampler | null = null;
    if (heapSource !== null) {
      preDeployHeapBytes = await heapSource.read().then((r) => r.bytes, () => null);
      // A source that cannot answer now (a gateway without the endpoint) is not polled in vain.
      if (preDeployHeapBytes !== null) heapSampler = startSampler(heapSource, this.config.sampleIntervalMs, onSample);
    }
    const stopSamplers = async (): Promise<{ rssPeak: number | null; heapPeak: number | null }> => {
      const [rss, heap] = await Promise.all([rssSampler?.stop(), heapSampler?.stop()]);
      const peaks = { rssPeak: rss?.peakBytes ?? null, heapPeak: heap?.peakBytes ?? null };
      // A crash row reports how far the deploy got, in the kind of memory it would have used.
      this.last.peakBytes = peaks.heapPeak ?? peaks.rssPeak;
      this.last.peakSource = peaks.heapPeak !== null ? 'heap' : osPeakSource;
      this.log.sync();
      return peaks;
    };
    let outcome: DeployOutcome;
    // --deploy-under-load: traffic through the gateway for as long as the deploy runs.
    const load = deployLoadFor(this.config, this.adapter, this.deps.catalog, this.servedServices);
    try {
      outcome = await this.guarded('deploy', () => this.adapter.deploy());
    } catch (error) {
      await load?.stop(this.adapter.pid()).catch(() => undefined);
      await stopSamplers();
      throw error;
    }
    const underLoad: DeployLoadSummary | undefined = await load?.stop(this.adapter.pid());
    const { rssPeak, heapPeak } = await stopSamplers();
    this.log.append({
      type: 'deploy',
      round,
      services: this.registered,
      state: outcome.state,
      ms: outcome.ms,
      ...(outcome.state === 'failed' ? { reason: outcome.reason } : {}),
      ...(underLoad === undefined ? {} : { underLoad }),
    });
    if (outcome.state === 'deployed') this.servedServices = this.registered;
    if (underLoad !== undefined && underLoad.failed > 0) {
      this.emit({ type: 'warning', message: `${underLoad.failed} of ${underLoad.sent} requests sent during the deploy of ${this.registered} services failed` });
    }
    if (outcome.state === 'failed') this.emit({ type: 'warning', message: `deploy of ${this.registered} services failed: ${outcome.reason}` });
    const rssExtra = { ...(rssPeak === null ? {} : { peakRssBytes: rssPeak }), ...(preDeployRssBytes === null ? {} : { preDeployRssBytes }) };
    // The row shows what the traffic through the deploy saw: the process tree while it ran, and failures.
    const loadExtra =
      underLoad === undefined ? {} : { ...(underLoad.gatewayProcesses === null ? {} : { deployProcesses: underLoad.gatewayProcesses }), deployRequestsFailed: underLoad.failed };
    if (heapPeak !== null && preDeployHeapBytes !== null) {
      return { deployMs: outcome.ms, peakBytes: heapPeak, preDeployBytes: preDeployHeapBytes, peakSource: 'heap', extra: { ...rssExtra, ...loadExtra }, outcome };
    }
    return { deployMs: outcome.ms, peakBytes: rssPeak, preDeployBytes: preDeployRssBytes, peakSource: osPeakSource, extra: loadExtra, outcome };
  }

  private async confirmCounts(): Promise<void> {
    const actual = await this.guarded('listing', () => this.adapter.listing());
    const n = this.registered;
    const expected: GatewayCounts = {
      serviceGroups: actual.serviceGroups === null ? null : n,
      services: n,
      operations: actual.operations === null ? null : this.operationsTotal,
      circuits: actual.circuits,
      attachedPolicies: actual.attachedPolicies === null ? null : this.policiesTotal,
    };
    const matches =
      actual.services === expected.services &&
      (expected.serviceGroups === null || actual.serviceGroups === expected.serviceGroups) &&
      (expected.operations === null || actual.operations === expected.operations) &&
      (expected.attachedPolicies === null || actual.attachedPolicies === expected.attachedPolicies);
    this.log.append({ type: 'listing', services: n, expected, actual, matches });
    if (!matches) this.emit({ type: 'warning', message: `the gateway's listing does not match what was registered: expected ${JSON.stringify(expected)}, gateway says ${JSON.stringify(actual)}` });
  }

  private async verify(from: number, to: number): Promise<void> {
    if (this.config.verify === 'none') return;
    const failures: VerifyOutcome[] = [];
    let checked = 0;
    let failed = 0;
    // In slices, so `--verify all` never holds every service's WSDL text at once.
    for (let start = this.config.verify === 'all' ? 0 : from; start < to; start += VERIFY_SLICE) {
      const specs: ServiceSpec[] = [];
      for (let i = start; i < Math.min(start + VERIFY_SLICE, to); i++) specs.push(this.deps.catalog.serviceAt(i));
      const outcomes = await this.guarded('verify', () => this.adapter.verify(specs));
      checked += outcomes.length;
      for (const o of outcomes) {
        if (o.ok) continue;
        failed++;
        if (failures.length < 20) failures.push(o);
      }
    }
    this.log.append({ type: 'verify', services: this.registered, checked, failed, failures });
    if (failed > 0) {
      const first = failures[0];
      this.emit({ type: 'warning', message: `${failed} of ${checked} services did not answer through the gateway (first: ${first?.serviceName}: ${first?.error ?? String(first?.status)})` });
    }
  }

  /**
   * Registers services [from, to). With `count: false` (re-registering after a crash or resume),
   * the totals are not counted again.
   */
  private async registerRange(round: number, from: number, to: number, count = true): Promise<number> {
    const t0 = Date.now();
    const limit = pLimit(this.config.concurrency);
    const failures: string[] = [];
    let failed = 0;
    let operations = 0;
    let attachedPolicies = 0;
    let done = 0;
    const tasks: Promise<void>[] = [];
    for (let i = from; i < to; i++) {
      tasks.push(
        limit(async () => {
          if (this.deps.signal?.aborted) return;
          const spec = this.deps.catalog.serviceAt(i);
          try {
            const outcome = await this.adapter.register(spec);
            operations += outcome.operations;
            attachedPolicies += outcome.attachedPolicies;
          } catch (error) {
            failed++;
            if (failures.length < 10) failures.push(`${spec.serviceName}: ${messageOf(error)}`);
          }
          done++;
          this.emit({ type: 'registered', services: from + done, roundTarget: to });
        }),
      );
    }
    await this.guarded('register', () => Promise.all(tasks));
    const ms = Date.now() - t0;
    if (count) {
      this.operationsTotal += operations;
      this.policiesTotal += attachedPolicies;
    }
    this.registered = Math.max(this.registered, to);
    this.log.append({ type: 'register', round, from, to, ms, operations: count ? operations : 0, attachedPolicies: count ? attachedPolicies : 0, failed, failures });
    if (failed > 0) this.emit({ type: 'warning', message: `${failed} of ${to - from} registrations failed (first: ${failures[0]})` });
    return ms;
  }

  /** Records a crash: the crash record and a `crash` row built from the last readings. */
  private recordCrash(crash: GatewayCrash): void {
    this.log.append({ type: 'crash', at: new Date().toISOString(), services: this.registered, phase: crash.phase, exit: crash.exit });
    const row: Round = {
      index: this.rowIndex++,
      event: 'crash',
      services: this.registered,
      // The last live-set reading before the crash; the peak shows how far the deploy got.
      memoryBytes: this.last.memoryBytes ?? 0,
      memorySource: this.last.memorySource,
      afterGc: false,
      rssBytes: null,
      peakBytes: this.last.peakBytes,
      ...(this.last.peakBytes === null ? {} : { peakSource: this.last.peakSource }),
      preDeployBytes: null,
      registerMs: null,
      deployMs: null,
      elapsedMs: null,
      concurrency: null,
    };
    this.log.append({ type: 'round', round: row });
    this.log.sync();
    const telltale = telltaleLine(crash.exit.stderrTail);
    this.emit({ type: 'warning', message: `${crash.message} at ${this.registered} services${telltale ? `: ${telltale}` : ''}` });
  }

  /**
   * Runs a step; on a crash with restarts left, records it, restarts the gateway, measures the
   * restart, re-registers what the fresh gateway lacks, and runs the step again.
   */
  private async withCrashRestart<T>(step: () => Promise<T>, reRegisterUpTo: number): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof GatewayCrash) || this.crashRestartsLeft <= 0) throw error;
        this.crashRestartsLeft--;
        this.recordCrash(error);
        await this.addGatewayCpu();
        const t0 = Date.now();
        await this.adapter.stop().catch(() => undefined);
        await this.startGateway('crash-restart');
        await this.ensureRegistered(reRegisterUpTo);
        await this.measure('restart', { t0 });
        this.restartedAfterCrash = true;
      }
    }
  }

  /** After a fresh start (resume, crash restart): registers and deploys what the gateway lacks. */
  private async ensureRegistered(upTo: number): Promise<void> {
    if (upTo === 0) return;
    const listing = await this.guarded('listing', () => this.adapter.listing());
    if (listing.services >= upTo) return;
    this.emit({ type: 'log', message: `the fresh gateway holds ${listing.services} services; registering ${upTo} again` });
    await this.registerRange(0, 0, upTo, false);
    const deployed = await this.deploy(0);
    if (deployed.outcome.state === 'failed') throw gatewayError(`could not deploy the ${upTo} services already registered: ${deployed.outcome.reason}`);
  }

  /** One redeploy of the unchanged configuration, measured. */
  private async redeployOnce(deployRound: number): Promise<void> {
    const t0 = Date.now();
    const deployed = await this.withCrashRestart(() => this.deploy(deployRound), this.registered);
    await this.measure('redeploy', { deploy: deployed, t0 });
  }

  /**
   * The redeploys after the last round: a fixed count, or (`auto`) one at a time, asking the
   * sequential test after each, until it decides leak or healthy or `max` is reached. Each decision
   * is logged as a `sequential` record. Returns the redeploys done in all (earlier sessions included).
   */
  private async redeploy(round: number, done: number): Promise<number> {
    const plan = this.config.redeploys;
    if (typeof plan === 'number') {
      for (let r = done + 1; r <= plan; r++) await this.redeployOnce(round + r);
      return Math.max(done, plan);
    }
    // A resumed run whose sequential test already decided does not redeploy again.
    if (this.deps.resume?.sequentialDecided === true) return done;
    let r = done;
    while (r < plan.max) {
      r++;
      await this.redeployOnce(round + r);
      const decision = this.decideRedeploys(this.rows, { leakMarginFraction: this.config.leakMarginFraction, maxRedeploys: plan.max });
      const stop = decision.state !== 'continue' || r >= plan.max;
      this.log.append({ type: 'sequential', redeploys: r, max: plan.max, state: decision.state, reason: decision.reason });
      this.log.sync();
      this.emit({ type: 'sequential', redeploys: r, max: plan.max, state: decision.state, reason: decision.reason });
      if (stop) break;
    }
    return r;
  }

  async execute(): Promise<{ state: RunState; error: GwscaleError | null }> {
    const { config, deps } = this;
    const resume = deps.resume;
    if (resume) {
      this.log.append({ type: 'resume', at: new Date().toISOString(), services: resume.services });
    } else {
      this.log.append({
        type: 'run-start',
        schema: RUN_LOG_SCHEMA,
        at: new Date(this.started).toISOString(),
        harnessVersion,
        nodeVersion: process.version,
        target: config.target,
        profile: config.profile,
        settings: settingsOf(config),
      });
    }
    let state: RunState = 'completed';
    let error: GwscaleError | null = null;
    try {
      await this.startGateway(resume ? 'resume' : 'start');
      if (resume) {
        // A fresh gateway with the configuration already registered: measured like a restart.
        const t0 = Date.now();
        await this.ensureRegistered(resume.services);
        await this.measure(resume.services === 0 ? 'round' : 'restart', { t0 });
      } else {
        await this.measure('round', { t0: Date.now() });
      }
      const targets = roundTargets(config.services, config.batch);
      let round = resume?.roundsDone ?? 0;
      for (const to of targets) {
        if (to <= this.registered) continue;
        round++;
        const from = this.registered;
        const t0 = Date.now();
        this.emit({ type: 'round-start', round, from, to, total: config.services });
        const registerMs = await this.withCrashRestart(() => this.registerRange(round, from, to), from);
        const deployed = await this.withCrashRestart(async () => {
          // After a crash restart the fresh gateway lacks this round's services: register them again.
          if (this.restartedAfterCrash) await this.registerRange(round, from, to, false);
          this.restartedAfterCrash = false;
          return this.deploy(round);
        }, from);
        await this.measure('round', { registerMs, deploy: deployed, t0 });
        await this.confirmCounts();
        await this.verify(from, to);
        if (config.restartAt.includes(to)) {
          const tr = Date.now();
          await this.startGateway('restart');
          await this.measure('restart', { t0: tr });
          await this.confirmCounts();
        }
      }
      const redeploys = await this.redeploy(round, resume?.redeploysDone ?? 0);
      if (redeploys > 0) await this.confirmCounts();
      for (const phase of deps.phases ?? []) {
        await phase({
          adapter: this.adapter,
          services: this.registered,
          signal: deps.signal,
          measure: (event, extra) => this.measure(event, extra),
          guarded: (what, work) => this.guarded(what, work),
          emit: this.emit,
        });
      }
    } catch (caught) {
      if (caught instanceof Interrupted || deps.signal?.aborted) {
        state = 'interrupted';
        error = new GwscaleError('usage', `interrupted during ${this.phase} at ${this.registered} services; the report holds what was measured`, { hint: 'continue with gwscale run --resume ' + config.outDir });
      } else if (caught instanceof GatewayCrash) {
        state = 'crashed';
        this.recordCrash(caught);
        error = gatewayError(`the gateway crashed during ${caught.phase} at ${this.registered} services`, {
          hint: `${telltaleLine(caught.exit.stderrTail) ?? 'it wrote nothing'}; the report marks the crash and what the rounds before it predicted`,
        });
      } else {
        state = 'failed';
        error = caught instanceof GwscaleError ? caught : gatewayError(messageOf(caught), { cause: caught });
        this.log.append({ type: 'error', at: new Date().toISOString(), phase: this.phase, message: messageOf(caught) });
      }
    } finally {
      await this.addGatewayCpu();
      await this.adapter.stop().catch(() => undefined);
      clearProcessHistory();
      const cpu = process.cpuUsage(this.cpuAtStart);
      this.log.append({
        type: 'run-end',
        at: new Date().toISOString(),
        state,
        overhead: { harnessCpuSeconds: (cpu.user + cpu.system) / 1e6, gatewayCpuSeconds: this.gatewayCpuSeconds },
        wallSeconds: (Date.now() - this.started) / 1000,
        samplesTaken: this.samplesTaken,
      });
      this.log.close();
    }
    return { state, error };
  }
}

/** Runs the scale test; resolves with how it ended (it does not throw for gateway failures). */
export async function runScale(config: RunConfig, deps: ScaleRunDeps): Promise<ScaleRunResult> {
  mkdirSync(config.outDir, { recursive: true });
  const runLogPath = join(config.outDir, RUN_LOG_FILE);
  const { state, error } = await new ScaleRun(config, deps, runLogPath).execute();
  return { state, runDir: config.outDir, runLogPath, error };
}
