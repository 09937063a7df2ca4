/**
 * The registration scale run: rounds of registrations, one deploy of the whole configuration per
 * round, memory measured after each (live set after GC, RSS, peak during the deploy), restarts and
 * redeploys at the points asked for. Every measurement is appended to the run log as it is taken,
 * so a gateway crash, a failing API or a killed harness loses nothing already measured.
 *
 * Its parts: the round plan as data (`round-plan.ts`), the measurer (`measurer.ts`: readings,
 * deploy sampling, CPU), the gateway watch (`gateway-watch.ts`: crash and signal racing, crash
 * restarts), the registrar (`registrar.ts`: registration and its checks) and the run log's life
 * cycle (`run-log-session.ts`). This file puts them in order.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Round, RoundEvent } from '../run-log/round.js';
import { sequentialRedeployDecision, type SequentialDecision, type SequentialOptions } from '../analysis/sequential.js';
import type { DeployOutcome, GatewayAdapter, GatewayExit, GatewayInfo } from '../gateways/adapter.js';
import { GwscaleError, gatewayError, messageOf } from '../errors.js';
import { clearProcessHistory } from '../sampling/process-usage.js';
import { crashRestartsOf, type RunConfig } from './config.js';
import type { RunListener } from './events.js';
import { RUN_LOG_FILE, type RunLogWriter } from './run-log.js';
import type { GatewayStartRecord, LoadSequentialRecord, RunEndRecord } from '../run-log/records.js';
import type { ResumePoint } from './resume.js';
import type { ServiceCatalog } from './service-catalog.js';
import { deployLoadFor, type DeployLoadSummary } from './deploy-load.js';
import { GatewayCrash, GatewayWatch, Interrupted, telltaleLine } from './gateway-watch.js';
import { Measurer, type DeployPeak } from './measurer.js';
import { planRounds, type PlannedRound, type RoundPlan } from './round-plan.js';
import { closeRunLog, openRunLog } from './run-log-session.js';
import { Registrar } from './registrar.js';

export { GatewayCrash, telltaleLine } from './gateway-watch.js';
export { roundTargets } from './round-plan.js';

/** How a run ended. Every state still leaves a complete run log behind. */
export type RunState = RunEndRecord['state'];

interface RunPlace {
  readonly runDir: string;
  readonly runLogPath: string;
}

/** Why and where a run stopped early without anything going wrong (SIGINT/SIGTERM). */
export interface Interruption {
  readonly phase: string;
  readonly services: number;
  readonly message: string;
  /** How to go on: `gwscale run --resume RUN_DIR`. */
  readonly hint: string;
}

/** A crash that ended the run (no crash restarts left). */
export interface CrashEnding {
  readonly phase: string;
  readonly services: number;
  readonly exit: GatewayExit;
}

/**
 * How a scale run ended, keyed on `state` (tinybench's `TaskResult` idea). `error` is the error
 * that ended a crashed or failed run; a completed or interrupted run has none: an interrupt is the
 * user's choice, not a mistake, and the report covers what was measured.
 */
export type ScaleRunResult = RunPlace &
  (
    | { readonly state: 'completed'; readonly error: null }
    | { readonly state: 'interrupted'; readonly error: null; readonly interruption: Interruption }
    | { readonly state: 'crashed'; readonly error: GwscaleError; readonly crash: CrashEnding }
    | { readonly state: 'failed'; readonly error: GwscaleError }
  );

/** A session's ending before its place on disk is added. */
type Ending = ScaleRunResult extends infer R ? (R extends RunPlace ? Omit<R, keyof RunPlace> : never) : never;

/** A phase run after registration (the traffic/concurrency phase), given the means to measure. */
export type ExtraPhase = (run: PhaseContext) => Promise<void>;

export interface PhaseContext {
  readonly adapter: GatewayAdapter;
  readonly services: number;
  readonly signal: AbortSignal | undefined;
  /** Measures the gateway after GC and appends a row of this event (with `concurrency` for load rows). */
  measure(event: RoundEvent, extra: { concurrency?: number; requests?: number; elapsedMs?: number }): Promise<Round>;
  /** Runs work while the gateway is watched for a crash. */
  guarded<T>(phase: string, work: () => Promise<T>): Promise<T>;
  emit: RunListener;
  /** Every row of the run so far (those of an earlier session first): what a sequential test reads. */
  rows(): readonly Round[];
  /** Appends a sequential test's decision to the run log (synced: it says why the phase stopped). */
  record(decision: LoadSequentialRecord): void;
}

/** What the driver needs from its surroundings; the API layer wires the real ones. */
export interface ScaleRunDeps {
  readonly catalog: ServiceCatalog;
  readonly adapter: GatewayAdapter;
  readonly listener?: RunListener;
  readonly signal?: AbortSignal;
  /** Continue an interrupted run from this point (appending to its log). */
  readonly resume?: ResumePoint;
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

/** A deploy as measured: its outcome, its timing and what the samplers saw. */
interface DeployMeasure extends DeployPeak {
  readonly deployMs: number;
  readonly outcome: DeployOutcome;
}

class ScaleRun {
  private readonly started = Date.now();
  private readonly cpuAtStart = process.cpuUsage();
  private readonly log: RunLogWriter;
  private readonly emit: RunListener;
  private readonly watch: GatewayWatch;
  private readonly measurer: Measurer;
  private readonly plan: RoundPlan;
  private readonly registrar: Registrar;
  private rowIndex: number;
  /** Services the gateway served after the last successful deploy (where --deploy-under-load sends traffic). */
  private servedServices: number;
  private resumedRowPending: boolean;
  /** Set by a crash restart: the fresh gateway holds only what was deployed before the crash. */
  private restartedAfterCrash = false;
  /** Every row of the run so far (those of an earlier session first): what the sequential test reads. */
  private readonly rows: Round[];
  private readonly decideRedeploys: SequentialDecider;

  constructor(
    private readonly config: RunConfig,
    private readonly deps: ScaleRunDeps,
    runLogPath: string,
  ) {
    this.log = openRunLog(runLogPath, config, deps.resume, this.started);
    this.emit = deps.listener ?? (() => undefined);
    this.watch = new GatewayWatch(deps.adapter, deps.signal, crashRestartsOf(config));
    this.measurer = new Measurer(deps.adapter, this.watch, this.log, config, this.started);
    this.plan = planRounds(config, deps.resume);
    this.rowIndex = deps.resume?.rows ?? 0;
    this.registrar = new Registrar(deps.adapter, deps.catalog, this.watch, this.log, this.emit, config, deps.resume);
    this.servedServices = this.registered;
    this.resumedRowPending = deps.resume !== undefined;
    this.rows = [...(deps.priorRows ?? [])];
    this.decideRedeploys = deps.sequentialDecision ?? sequentialRedeployDecision;
  }

  private get adapter(): GatewayAdapter {
    return this.deps.adapter;
  }

  /** Services registered so far. */
  private get registered(): number {
    return this.registrar.registered;
  }

  private guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
    return this.watch.guarded(what, work);
  }

  private async startGateway(reason: GatewayStartRecord['reason']): Promise<void> {
    const t0 = Date.now();
    this.watch.phase = reason;
    if (reason === 'restart') await this.measurer.closeGatewayCpu();
    const info: GatewayInfo = reason === 'restart' ? await this.adapter.restart() : await this.adapter.start();
    const startMs = Date.now() - t0;
    this.log.append({ type: 'gateway-start', at: new Date().toISOString(), version: info.version, pid: info.pid, reason, startMs });
    this.emit({ type: 'gateway-started', version: info.version, pid: info.pid, reason });
  }

  /**
   * Measures one point (`config.readings` readings, see `Measurer.readPoint`) and appends its row:
   * their mean and every reading; RSS and the source's extra numbers are the last reading's.
   */
  async measure(
    event: RoundEvent,
    timing: { registerMs?: number | null; deploy?: DeployMeasure; t0?: number; concurrency?: number; requests?: number; elapsedMs?: number },
  ): Promise<Round> {
    const point = await this.measurer.readPoint();
    const live = point.last;
    const deploy = timing.deploy;
    const row: Round = {
      index: this.rowIndex++,
      event,
      services: this.registered,
      memoryBytes: point.memoryBytes,
      // One reading is the row itself: the field is kept for points read more than once.
      ...(point.readingsBytes.length > 1 ? { readingsBytes: [...point.readingsBytes] } : {}),
      memorySource: live.source,
      afterGc: live.afterGc,
      rssBytes: point.rssBytes,
      peakBytes: deploy?.peakBytes ?? null,
      ...(deploy ? { peakSource: deploy.peakSource } : {}),
      preDeployBytes: deploy?.preDeployBytes ?? null,
      registerMs: timing.registerMs ?? null,
      deployMs: deploy?.deployMs ?? null,
      elapsedMs: timing.elapsedMs ?? (timing.t0 === undefined ? null : Date.now() - timing.t0),
      concurrency: timing.concurrency ?? null,
      ...(timing.requests === undefined ? {} : { requests: timing.requests }),
      ...(this.resumedRowPending ? { resumed: true } : {}),
    };
    this.resumedRowPending = false;
    const extra = { ...live.extra, ...deploy?.extra };
    this.log.append({ type: 'round', round: row, ...(Object.keys(extra).length > 0 ? { extra } : {}) });
    this.log.sync();
    this.rows.push(row);
    this.emit({ type: 'measured', row });
    return row;
  }

  /** One deploy of the whole configuration, sampled by the measurer, with --deploy-under-load's traffic beside it. */
  private async deploy(round: number): Promise<DeployMeasure> {
    this.emit({ type: 'deploy-start', services: this.registered });
    // --deploy-under-load: traffic through the gateway for as long as the deploy runs.
    const load = deployLoadFor(this.config, this.adapter, this.deps.catalog, this.servedServices);
    const { value, peak } = await this.measurer.sampleDeploy(this.registered, async () => {
      let outcome: DeployOutcome;
      try {
        outcome = await this.guarded('deploy', () => this.adapter.deploy());
      } catch (error) {
        await load?.stop(this.adapter.pid()).catch(() => undefined);
        throw error;
      }
      const underLoad: DeployLoadSummary | undefined = await load?.stop(this.adapter.pid());
      return { outcome, underLoad };
    });
    const { outcome, underLoad } = value;
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
    // The row shows what the traffic through the deploy saw: the process tree while it ran, and failures.
    const loadExtra =
      underLoad === undefined
        ? {}
        : { ...(underLoad.gatewayProcesses === null ? {} : { deployProcesses: underLoad.gatewayProcesses }), deployRequestsFailed: underLoad.failed };
    return { ...peak, extra: { ...peak.extra, ...loadExtra }, deployMs: outcome.ms, outcome };
  }

  /** Records a crash: the crash record and a `crash` row built from the last readings. */
  private recordCrash(crash: GatewayCrash): void {
    const last = this.measurer.last;
    this.log.append({ type: 'crash', at: new Date().toISOString(), services: this.registered, phase: crash.phase, exit: crash.exit });
    const row: Round = {
      index: this.rowIndex++,
      event: 'crash',
      services: this.registered,
      // The last live-set reading before the crash; the peak shows how far the deploy got.
      memoryBytes: last.memoryBytes ?? 0,
      memorySource: last.memorySource,
      afterGc: false,
      rssBytes: null,
      peakBytes: last.peakBytes,
      ...(last.peakBytes === null ? {} : { peakSource: last.peakSource }),
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
  private withCrashRestart<T>(step: () => Promise<T>, reRegisterUpTo: number): Promise<T> {
    return this.watch.withCrashRestart(step, async (crash) => {
      this.recordCrash(crash);
      await this.measurer.closeGatewayCpu();
      const t0 = Date.now();
      await this.adapter.stop().catch(() => undefined);
      await this.startGateway('crash-restart');
      await this.ensureRegistered(reRegisterUpTo);
      await this.measure('restart', { t0 });
      this.restartedAfterCrash = true;
    });
  }

  /** After a fresh start (resume, crash restart): registers and deploys what the gateway lacks. */
  private async ensureRegistered(upTo: number): Promise<void> {
    if (upTo === 0) return;
    const listing = await this.guarded('listing', () => this.adapter.listing());
    if (listing.services >= upTo) return;
    this.emit({ type: 'log', message: `the fresh gateway holds ${listing.services} services; registering ${upTo} again` });
    await this.registrar.registerRange(0, 0, upTo, false);
    const deployed = await this.deploy(0);
    if (deployed.outcome.state === 'failed') throw gatewayError(`could not deploy the ${upTo} services already registered: ${deployed.outcome.reason}`);
  }

  /** One registration round of the plan: register, deploy, measure, check; then a `--restart-at` restart. */
  private async runRound({ round, from, to, restartAfter }: PlannedRound): Promise<void> {
    const t0 = Date.now();
    this.emit({ type: 'round-start', round, from, to, total: this.config.services });
    const registerMs = await this.withCrashRestart(() => this.registrar.registerRange(round, from, to), from);
    const deployed = await this.withCrashRestart(async () => {
      // After a crash restart the fresh gateway lacks this round's services: register them again.
      if (this.restartedAfterCrash) await this.registrar.registerRange(round, from, to, false);
      this.restartedAfterCrash = false;
      return this.deploy(round);
    }, from);
    await this.measure('round', { registerMs, deploy: deployed, t0 });
    await this.registrar.confirmCounts();
    await this.registrar.verify(from, to);
    if (restartAfter) {
      const tr = Date.now();
      await this.startGateway('restart');
      await this.measure('restart', { t0: tr });
      await this.registrar.confirmCounts();
    }
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
  private async redeploy(): Promise<number> {
    const { redeploys: plan, lastRound: round, redeploysDone: done } = this.plan;
    if (typeof plan === 'number') {
      for (let r = done + 1; r <= plan; r++) await this.redeployOnce(round + r);
      return Math.max(done, plan);
    }
    // A resumed run whose sequential test already decided does not redeploy again.
    if (this.plan.redeploysDecided) return done;
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

  /** The whole session: start, rounds, redeploys, extra phases. Throws what ended it early. */
  private async steps(): Promise<void> {
    const resume = this.deps.resume;
    await this.startGateway(resume ? 'resume' : 'start');
    if (resume) {
      // A fresh gateway with the configuration already registered: measured like a restart.
      const t0 = Date.now();
      await this.ensureRegistered(resume.services);
      await this.measure(resume.services === 0 ? 'round' : 'restart', { t0 });
    } else {
      await this.measure('round', { t0: Date.now() });
    }
    for (const planned of this.plan.rounds) await this.runRound(planned);
    const redeploys = await this.redeploy();
    if (redeploys > 0) await this.registrar.confirmCounts();
    for (const phase of this.deps.phases ?? []) {
      await phase({
        adapter: this.adapter,
        services: this.registered,
        signal: this.deps.signal,
        measure: (event, extra) => this.measure(event, extra),
        guarded: (what, work) => this.guarded(what, work),
        emit: this.emit,
        rows: () => this.rows,
        record: (decision) => {
          this.log.append(decision);
          this.log.sync();
        },
      });
    }
  }

  /** What ended the session early, as an ending; records it in the log. */
  private endingOf(caught: unknown): Ending {
    const phase = this.watch.phase;
    if (caught instanceof Interrupted || this.watch.aborted) {
      return {
        state: 'interrupted',
        error: null,
        interruption: {
          phase,
          services: this.registered,
          message: `interrupted during ${phase} at ${this.registered} services; the report holds what was measured`,
          hint: 'continue with gwscale run --resume ' + this.config.outDir,
        },
      };
    }
    if (caught instanceof GatewayCrash) {
      this.recordCrash(caught);
      const error = gatewayError(`the gateway crashed during ${caught.phase} at ${this.registered} services`, {
        hint: `${telltaleLine(caught.exit.stderrTail) ?? 'it wrote nothing'}; the report marks the crash and what the rounds before it predicted`,
      });
      return { state: 'crashed', error, crash: { phase: caught.phase, services: this.registered, exit: caught.exit } };
    }
    this.log.append({ type: 'error', at: new Date().toISOString(), phase, message: messageOf(caught) });
    return { state: 'failed', error: caught instanceof GwscaleError ? caught : gatewayError(messageOf(caught), { cause: caught }) };
  }

  async execute(): Promise<Ending> {
    let ending: Ending = { state: 'completed', error: null };
    try {
      await this.steps();
    } catch (caught) {
      ending = this.endingOf(caught);
    } finally {
      await this.measurer.closeGatewayCpu();
      await this.adapter.stop().catch(() => undefined);
      clearProcessHistory();
      closeRunLog(this.log, {
        state: ending.state,
        startedAt: this.started,
        cpuAtStart: this.cpuAtStart,
        gatewayCpuSeconds: this.measurer.gatewayCpuTotalSeconds,
        samplesTaken: this.measurer.samplesTaken,
      });
    }
    return ending;
  }
}

/** Runs the scale test; resolves with how it ended (it does not throw for gateway failures). */
export async function runScale(config: RunConfig, deps: ScaleRunDeps): Promise<ScaleRunResult> {
  mkdirSync(config.outDir, { recursive: true });
  const runLogPath = join(config.outDir, RUN_LOG_FILE);
  const ending = await new ScaleRun(config, deps, runLogPath).execute();
  return { ...ending, runDir: config.outDir, runLogPath };
}
