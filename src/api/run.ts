/**
 * `gwscale run`: starts what the run needs (WSDL server, SOAP backend, the gateway), drives the
 * scale run, stops everything, and renders the run folder's reports. `gwscale run --resume` goes on
 * with an interrupted run.
 */
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { AdapterContext, AdapterFactory } from '../gateways/adapter.js';
import { resolveCredentials } from '../gateways/credentials.js';
// spawn.js, not index.js: the harness reaches the backend by URL and must not load soap itself.
import { spawnBackend } from '../backend/spawn.js';
import { runConfigOfLog, targetOptionsOf, type RunConfig } from '../driver/config.js';
import type { RunListener } from '../driver/events.js';
import { runScale, type ExtraPhase, type ScaleRunResult, type SequentialDecider } from '../driver/scale-run.js';
import type { Round } from '../run-log/round.js';
import { startWsdlServer } from '../driver/wsdl-server.js';
import { loadPhase } from '../driver/load-phase.js';
import { createServiceCatalog } from '../driver/generated-catalog.js';
import type { ServiceCatalog } from '../driver/service-catalog.js';
import { readRunLog, roundsOf, RUN_LOG_FILE } from '../driver/run-log.js';
import { repairRunLogTail, resumePointOf, type ResumePoint } from '../driver/resume.js';
import { usageError } from '../errors.js';
import { pinnedResumeVersion } from '../gateways/node-red/install.js';
import type { RunRecord } from '../run-log/records.js';
import { defaultLocustWorkers } from '../traffic/options.js';
import { renderRunFolder, type ReportFiles } from './report.js';
import { prepareTarget, type ConfirmRemote } from './target-setup.js';
import { targetSlug } from '../gateways/target-spec.js';
export { absoluteTarget } from '../gateways/target-spec.js';
import { cleanupRegistered, entitiesToRemove, withEntityLog } from '../driver/entity-log.js';
import type { CleanupOutcome } from '../gateways/adapter.js';
import { withMemorySources } from '../gateways/extra-memory.js';

export { runConfigOf, type RedeployPlan, type RunConfig } from '../driver/config.js';
export { runSettingOptions } from '../driver/run-options.js';
export type { RunEvent, RunListener } from '../driver/events.js';
export type { TargetName } from '../gateways/registry.js';
export type { ConfirmRemote } from './target-setup.js';
export { checkVersionSpec as checkNodeRedVersion, DEFAULT_NODE_RED_VERSION } from '../gateways/node-red/install.js';

/** How the run ended (a union on `state`: completed, interrupted, crashed, failed) and its rendered reports. */
export type RunResult = ScaleRunResult & {
  readonly reports: ReportFiles;
  /** What `--cleanup` removed, when it was asked for. */
  readonly cleanup?: CleanupOutcome;
};

export interface RunOptions {
  readonly listener?: RunListener;
  readonly signal?: AbortSignal;
  /** `--credentials-file`; otherwise the environment, otherwise generated. */
  readonly credentialsFile?: string | null;
  /** Phases after registration (the concurrency phase). */
  readonly phases?: readonly ExtraPhase[];
  /** The decision `--redeploys auto` asks after each redeploy (tests inject a stub); default `sequentialRedeployDecision`. */
  readonly sequentialDecision?: SequentialDecider;
  /** A target of your own: used instead of `config.target` (which then only names it in reports). */
  readonly adapterFactory?: AdapterFactory;
  /** Asked before the first write to a remote gateway gwscale did not start (`--yes` answers it); without it such a run is refused. */
  readonly confirm?: ConfirmRemote;
}

/** Default run folder: `reports/<timestamp>-<target>-<profile>` under the current directory. */
export function defaultRunDir(target: string, profile: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/:/g, '-').replace(/\..*$/, '');
  return resolve('reports', `${stamp}-${targetSlug(target)}-${profile}`);
}

async function execute(config: RunConfig, options: RunOptions, resume: { point: ResumePoint; rows: readonly Round[] } | undefined): Promise<RunResult> {
  mkdirSync(config.outDir, { recursive: true });
  const credentials = resolveCredentials(options.credentialsFile ?? null);
  // Resolved first: a bad recipe, plugin or refused attach fails before any process starts.
  const target = await prepareTarget(config, options, resume?.point.services ?? 0);
  // The WSDLs name the backend's address, and the backend reads the WSDLs: bind the catalog late.
  let catalog: ServiceCatalog | null = null;
  const wsdlServer = await startWsdlServer(
    (i) => (catalog !== null && i < catalog.size ? catalog.serviceAt(i) : undefined),
    (name) => catalog?.indexOf(name),
  );
  try {
    const backend = await spawnBackend({ latencyMs: config.backendLatencyMs, wsdlBaseUrl: wsdlServer.url });
    try {
      catalog = createServiceCatalog(config, backend.url);
      const ctx: AdapterContext = Object.freeze({
        workDir: join(config.outDir, 'gateway'),
        profile: config.profile,
        heapMb: config.gatewayHeapMb,
        wsdlBaseUrl: wsdlServer.url,
        backendUrl: backend.url,
        callTimeoutMs: config.callTimeoutMs,
        credentials: Object.freeze({ user: credentials.user, password: credentials.password }),
        log: (line: string) => options.listener?.({ type: 'log', message: line }),
        targetOptions: Object.freeze(targetOptionsOf(config)),
        ...(target.attach ? { attach: target.attach } : {}),
      });
      mkdirSync(ctx.workDir, { recursive: true });
      const runLogPath = join(config.outDir, RUN_LOG_FILE);
      const adapter = withEntityLog(withMemorySources(target.factory(ctx), target.memorySources), runLogPath);
      const result = await runScale(config, {
        catalog,
        adapter,
        ...(options.listener ? { listener: options.listener } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        phases: [
          ...(config.loadSteps.length > 0
            ? [
                loadPhase(
                  {
                    steps: config.loadSteps,
                    repeats: config.loadRepeats,
                    stepMs: config.loadStepMs,
                    idleMs: config.loadIdleMs,
                    services: config.loadServices,
                    requestTimeoutMs: Math.max(10_000, config.backendLatencyMs * 5),
                    engine: config.trafficEngine ?? 'gwscale',
                    locust: { workers: config.locustWorkers ?? defaultLocustWorkers(availableParallelism()), dir: join(config.outDir, 'locust') },
                  },
                  catalog,
                  { backendRequests: () => backend.requests() },
                ),
              ]
            : []),
          ...(options.phases ?? []),
        ],
        ...(options.sequentialDecision ? { sequentialDecision: options.sequentialDecision } : {}),
        ...(resume ? { resume: resume.point, priorRows: resume.rows } : {}),
      });
      // After the run, also an interrupted one: a gateway gwscale attached to is left as it was.
      // A resumed run removes what every session registered, as the run log lists it.
      const cleanup =
        config.cleanup !== true
          ? undefined
          : await cleanupRegistered(adapter, runLogPath, resume === undefined ? undefined : entitiesToRemove(readRunLog(runLogPath)));
      if (cleanup !== undefined) await adapter.stop();
      return { ...result, reports: renderRunFolder(config.outDir), ...(cleanup ? { cleanup } : {}) };
    } finally {
      await backend.stop();
    }
  } finally {
    await wsdlServer.close();
  }
}

/** Runs a scale test and writes its reports; backs `gwscale run`. */
export function run(config: RunConfig, options: RunOptions = {}): Promise<RunResult> {
  return execute(config, options, undefined);
}

/**
 * Continues an interrupted run from its last completed round, with the settings in its log, against
 * a fresh gateway loaded with the services already registered; backs `gwscale run --resume RUN_DIR`.
 */
export function resumeRun(runDir: string, options: RunOptions = {}): Promise<RunResult> {
  const logPath = join(runDir, RUN_LOG_FILE);
  repairRunLogTail(logPath);
  const records = readRunLog(logPath);
  const point = resumePointOf(records);
  if (point.finished) throw usageError(`--resume ${runDir}: that run already finished`, `re-render its reports with gwscale report ${runDir}`);
  return execute(resumeConfigOf(records, runDir, logPath), options, { point, rows: roundsOf(records) });
}

/**
 * The settings a resumed run goes on with: those in its run log, with a Node-RED version range
 * (`4.1.x`) pinned to the release its first session ran, so a release published in between is not
 * mixed into the run.
 */
export function resumeConfigOf(records: readonly RunRecord[], runDir: string, logPath: string): RunConfig {
  const start = records[0];
  if (start?.type !== 'run-start') throw usageError(`--resume ${runDir}: the run log has no run-start record`);
  const config = runConfigOfLog(start.settings, resolve(runDir), logPath);
  if (config.target !== 'node-red' || config.gatewayVersion === undefined) return config;
  const firstStart = records.find((r) => r.type === 'gateway-start');
  const pinned = pinnedResumeVersion(config.gatewayVersion, firstStart?.type === 'gateway-start' ? firstStart.version : undefined);
  return pinned === null ? config : { ...config, gatewayVersion: pinned };
}
