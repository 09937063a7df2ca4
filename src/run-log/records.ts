/**
 * The run log (`run.jsonl`): one typed record per line, appended and flushed as things happen.
 * Everything in report.json is derived from these records, so a report can be re-rendered, and a
 * run resumed, from the log alone.
 */
import type { Round } from './round.js';

export const RUN_LOG_SCHEMA = 1;

/** Gateway-confirmed counts from the gateway's own listing API; fields it does not have are null. */
export interface GatewayCounts {
  readonly serviceGroups: number | null;
  readonly services: number;
  readonly operations: number | null;
  readonly circuits: number | null;
  readonly attachedPolicies: number | null;
}

/** How a gateway (or any server process the harness started) ended. */
export interface GatewayExit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Last lines the gateway wrote to stderr/stdout (e.g. "JavaScript heap out of memory"). */
  readonly stderrTail: readonly string[];
}

/** A SOAP request sent through the gateway to one service to prove the deploy took effect. */
export interface VerifyOutcome {
  readonly serviceName: string;
  readonly ok: boolean;
  readonly status: number | null;
  readonly error?: string;
}

/** `--redeploys` and `--load-repeats`: a count, or `auto:MAX`. */
export type RecordedRedeploys = number | { readonly mode: 'auto'; readonly max: number };

/**
 * Settings of a run as recorded (no secrets ever): the driver's `RunConfig`. Typed here are the
 * fields the analysis and the reports read (all optional: older logs lack newer settings); the rest
 * are kept as recorded, and `gwscale run --resume` checks every one against the run's option table.
 */
export interface RunSettings {
  readonly target?: string;
  readonly profile?: string;
  readonly services?: number;
  readonly batch?: number;
  readonly redeploys?: RecordedRedeploys;
  readonly loadRepeats?: RecordedRedeploys;
  readonly readings?: number;
  /** `--heap-max` in bytes; null when not given. */
  readonly heapMaxBytes?: number | null;
  readonly gatewayHeapMb?: number | null;
  /** `--leak-margin` as a fraction. */
  readonly leakMarginFraction?: number;
  readonly [setting: string]: unknown;
}

export interface RunStartRecord {
  readonly type: 'run-start';
  readonly schema: typeof RUN_LOG_SCHEMA;
  readonly at: string;
  readonly harnessVersion: string;
  readonly nodeVersion: string;
  readonly target: string;
  readonly profile: string;
  readonly settings: RunSettings;
}

export interface GatewayStartRecord {
  readonly type: 'gateway-start';
  readonly at: string;
  readonly version: string;
  readonly pid: number | null;
  /** Why it started: the first start, a `--restart-at` restart, a crash restart, a resume. */
  readonly reason: 'start' | 'restart' | 'crash-restart' | 'resume';
  readonly startMs: number;
}

/** One memory sample (taken by the sampler loop during deploys, or a single reading). */
export interface SampleRecord {
  readonly type: 'sample';
  /** ms since run start. */
  readonly t: number;
  readonly phase: 'register' | 'deploy' | 'settle' | 'idle' | 'load';
  readonly services: number;
  readonly source: string;
  readonly bytes: number;
}

export interface RegisterRecord {
  readonly type: 'register';
  readonly round: number;
  readonly from: number;
  readonly to: number;
  readonly ms: number;
  /** Operations and attached policies the gateway reported for the services created in this round. */
  readonly operations: number;
  readonly attachedPolicies: number;
  readonly failed: number;
  /** First few failures, one line each. */
  readonly failures: readonly string[];
}

/** Traffic kept through the gateway while a deploy ran (`--deploy-under-load`). */
export interface DeployLoadSummary {
  readonly concurrency: number;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** Most requests in flight at once. */
  readonly maxInFlight: number;
  /**
   * Processes of the gateway's tree when the deploy returned, traffic still running (old workers
   * still serving their connections included); null when the harness did not start the gateway.
   */
  readonly gatewayProcesses: number | null;
}

export interface DeployRecord {
  readonly type: 'deploy';
  readonly round: number;
  readonly services: number;
  readonly state: 'deployed' | 'failed';
  readonly ms: number;
  readonly reason?: string;
  /** Traffic sent through the gateway while the deploy ran (`--deploy-under-load`). */
  readonly underLoad?: DeployLoadSummary;
}

export interface ListingRecord {
  readonly type: 'listing';
  readonly services: number;
  readonly expected: GatewayCounts;
  readonly actual: GatewayCounts;
  readonly matches: boolean;
}

export interface VerifyRecord {
  readonly type: 'verify';
  readonly services: number;
  readonly checked: number;
  readonly failed: number;
  readonly failures: readonly VerifyOutcome[];
}

/** A measurement row (see `Round`). */
export interface RoundRecord {
  readonly type: 'round';
  readonly round: Round;
  /** Extra numbers from the memory source (metaspace, classes, goroutines…). */
  readonly extra?: Readonly<Record<string, number>>;
}

/**
 * `--redeploys auto`: what the sequential redeploy test decided after a redeploy (one record per
 * redeploy; the last one says why the redeploys stopped).
 */
export interface SequentialRecord {
  readonly type: 'sequential';
  /** Redeploys done so far at the last service count. */
  readonly redeploys: number;
  /** Most redeploys allowed (`auto:MAX`). */
  readonly max: number;
  /** `leak` or `healthy` when the sequential test decided; `continue` after a look that did not. */
  readonly state: 'leak' | 'healthy' | 'continue';
  readonly reason: string;
}

/**
 * `--load-repeats auto`: what the sequential traffic test decided after the planned traffic steps
 * and after each repeat of the highest concurrency (the last record says why the repeats stopped).
 */
export interface LoadSequentialRecord {
  readonly type: 'load-sequential';
  /** Repeats of the highest concurrency done so far (0: the look after the planned steps). */
  readonly repeats: number;
  /** Most repeats allowed (`auto:MAX`). */
  readonly max: number;
  /** `leak`, `concurrency-retention` or `healthy` when the test decided; `continue` after a look that did not. */
  readonly state: 'leak' | 'concurrency-retention' | 'healthy' | 'continue';
  readonly reason: string;
}

export interface CrashRecord {
  readonly type: 'crash';
  readonly at: string;
  readonly services: number;
  readonly phase: string;
  readonly exit: GatewayExit;
}

export interface ResumeRecord {
  readonly type: 'resume';
  readonly at: string;
  readonly services: number;
}

export interface ErrorRecord {
  readonly type: 'error';
  readonly at: string;
  readonly phase: string;
  readonly message: string;
}

export interface RunEndRecord {
  readonly type: 'run-end';
  readonly at: string;
  readonly state: 'completed' | 'crashed' | 'interrupted' | 'failed';
  readonly overhead: {
    readonly harnessCpuSeconds: number;
    readonly gatewayCpuSeconds: number;
  };
  readonly wallSeconds: number;
  /** Memory samples the driver took in this session (each one is a `sample` record above). */
  readonly samplesTaken: number;
}

/**
 * Something a target created on a gateway for one service (a route, a consumer, an id it handed
 * back), with the values its removal needs: what `--cleanup` and `gwscale cleanup RUN_DIR` undo.
 */
export interface RegisteredEntity {
  readonly service: string;
  /** Template values of the service and the captures of its registration calls (never a credential). */
  readonly values: Readonly<Record<string, string | number | boolean>>;
}

export interface EntityRecord {
  readonly type: 'entity';
  readonly at: string;
  readonly entity: RegisteredEntity;
}

/** What `--cleanup` (or `gwscale cleanup`) removed at the end of a run. */
export interface CleanupRecord {
  readonly type: 'cleanup';
  readonly at: string;
  readonly removed: number;
  readonly failed: number;
  readonly failures: readonly string[];
}

export type RunRecord =
  | EntityRecord
  | CleanupRecord
  | RunStartRecord
  | GatewayStartRecord
  | SampleRecord
  | RegisterRecord
  | DeployRecord
  | ListingRecord
  | VerifyRecord
  | RoundRecord
  | SequentialRecord
  | LoadSequentialRecord
  | CrashRecord
  | ResumeRecord
  | ErrorRecord
  | RunEndRecord;
