/**
 * report.json: everything a run measured, derived from the run log alone (so `gwscale report`
 * reproduces it byte for byte), plus the analysis of its rounds.
 */
import type { Round } from '../run-log/round.js';
import type { GatewayCounts } from '../gateways/adapter.js';
import type {
  CrashRecord,
  GatewayStartRecord,
  LoadSequentialRecord,
  RecordedRedeploys,
  RunRecord,
  RunStartRecord,
  SequentialRecord,
} from '../run-log/records.js';

/** Bump when a field changes meaning or goes away; adding fields does not bump it. */
export const REPORT_SCHEMA_VERSION = 1;

/** Overhead ratio above which the report warns that the harness may be what it measures. */
export const OVERHEAD_WARN_RATIO = 0.5;

export interface ReportOverhead {
  readonly harnessCpuSeconds: number;
  readonly gatewayCpuSeconds: number;
  /** harness ÷ gateway CPU seconds; null when the gateway's CPU time is unknown. */
  readonly ratio: number | null;
  readonly warning: string | null;
}

/**
 * `--redeploys auto[:MAX]`: how the sequential redeploy test ended. `decided` is `leak` or
 * `healthy` when it decided (after `redeploys` redeploys), null when the run stopped at MAX, or
 * ended, undecided. Null in report.json for runs with a fixed redeploy count.
 */
export interface SequentialRedeploys {
  readonly mode: 'auto';
  readonly max: number;
  readonly redeploys: number;
  readonly decided: 'leak' | 'healthy' | null;
  readonly reason: string;
}

/**
 * `--load-repeats auto[:MAX]`: how the sequential traffic test ended. `decided` is `leak`,
 * `concurrency-retention` or `healthy` when it decided (after `repeats` repeats of the highest
 * concurrency), null when it stopped at MAX, or the run ended, undecided. Null in report.json
 * for runs without it.
 */
export interface SequentialLoadRepeats {
  readonly mode: 'auto';
  readonly max: number;
  readonly repeats: number;
  readonly decided: 'leak' | 'concurrency-retention' | 'healthy' | null;
  readonly reason: string;
}

export interface ReportCrash {
  readonly services: number;
  readonly phase: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: readonly string[];
}

/** The part of report.json that describes the run itself (the analysis adds its fields beside it). */
export interface RunFacts {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly tool: { readonly name: 'gwscale'; readonly version: string; readonly nodeVersion: string };
  readonly target: string;
  readonly profile: string;
  readonly state: 'completed' | 'crashed' | 'interrupted' | 'failed' | 'running';
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly wallSeconds: number | null;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly gateway: {
    readonly version: string | null;
    readonly starts: readonly { readonly reason: GatewayStartRecord['reason']; readonly at: string; readonly startMs: number }[];
  };
  /** The gateway's own listing after the last round, beside what the harness registered. */
  readonly gatewayCounts: { readonly expected: GatewayCounts; readonly actual: GatewayCounts; readonly matches: boolean } | null;
  readonly registration: { readonly attempted: number; readonly failed: number; readonly failures: readonly string[] };
  readonly deploys: { readonly total: number; readonly failed: number; readonly failures: readonly { readonly services: number; readonly reason: string }[] };
  readonly verification: { readonly checked: number; readonly failed: number };
  /** Memory samples taken during deploys (each is a line in run.jsonl). */
  readonly samples: number;
  readonly overhead: ReportOverhead | null;
  readonly crash: ReportCrash | null;
  readonly sequentialRedeploys: SequentialRedeploys | null;
  readonly sequentialLoadRepeats: SequentialLoadRepeats | null;
  readonly errors: readonly { readonly phase: string; readonly message: string }[];
  readonly rounds: readonly Round[];
}

const round4 = (x: number): number => Number(x.toPrecision(4));

/** Collects the facts of a run from its log, in one pass. */
export function runFactsOf(records: readonly RunRecord[]): RunFacts {
  const start = records[0] as RunStartRecord;
  const starts: RunFacts['gateway']['starts'][number][] = [];
  let version: string | null = null;
  let gatewayCounts: RunFacts['gatewayCounts'] = null;
  const registration = { attempted: 0, failed: 0, failures: [] as string[] };
  const deploys = { total: 0, failed: 0, failures: [] as { services: number; reason: string }[] };
  const verification = { checked: 0, failed: 0 };
  let samples = 0;
  let crash: ReportCrash | null = null;
  let state: RunFacts['state'] = 'running';
  let finishedAt: string | null = null;
  let wallSecondsSum = 0;
  let harnessCpuSeconds = 0;
  let gatewayCpuSeconds = 0;
  let sessions = 0;
  const errors: { phase: string; message: string }[] = [];
  const rounds: Round[] = [];
  let sequential: SequentialRecord | null = null;
  let loadSequential: LoadSequentialRecord | null = null;
  for (const r of records) {
    switch (r.type) {
      case 'gateway-start':
        version = r.version;
        starts.push({ reason: r.reason, at: r.at, startMs: r.startMs });
        break;
      case 'sample':
        samples++;
        break;
      case 'register':
        registration.attempted += r.to - r.from;
        registration.failed += r.failed;
        for (const f of r.failures) if (registration.failures.length < 20) registration.failures.push(f);
        break;
      case 'deploy':
        deploys.total++;
        if (r.state === 'failed') {
          deploys.failed++;
          if (deploys.failures.length < 20) deploys.failures.push({ services: r.services, reason: r.reason ?? 'unknown' });
        }
        break;
      case 'listing':
        gatewayCounts = { expected: r.expected, actual: r.actual, matches: r.matches };
        break;
      case 'verify':
        verification.checked += r.checked;
        verification.failed += r.failed;
        break;
      case 'round':
        rounds.push(r.extra === undefined ? r.round : { ...r.round, extra: r.extra });
        break;
      case 'sequential':
        sequential = r;
        break;
      case 'load-sequential':
        loadSequential = r;
        break;
      case 'crash':
        crash = crashOf(r);
        break;
      case 'error':
        errors.push({ phase: r.phase, message: r.message });
        break;
      case 'run-end':
        // A resumed run has one run-end per session: times and CPU add up, the last state stands.
        state = r.state;
        finishedAt = r.at;
        wallSecondsSum += r.wallSeconds;
        harnessCpuSeconds += r.overhead.harnessCpuSeconds;
        gatewayCpuSeconds += r.overhead.gatewayCpuSeconds;
        sessions++;
        break;
      case 'run-start':
      case 'resume':
        break;
    }
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: 'gwscale', version: start.harnessVersion, nodeVersion: start.nodeVersion },
    target: start.target,
    profile: start.profile,
    state,
    startedAt: start.at,
    finishedAt,
    wallSeconds: sessions > 0 ? round4(wallSecondsSum) : null,
    settings: start.settings,
    gateway: { version, starts },
    gatewayCounts,
    registration,
    deploys,
    verification,
    samples,
    overhead: sessions > 0 ? overheadOf(harnessCpuSeconds, gatewayCpuSeconds) : null,
    crash,
    sequentialRedeploys: sequentialRedeploysOf(start.settings, sequential),
    sequentialLoadRepeats: sequentialLoadRepeatsOf(start.settings, loadSequential),
    errors,
    rounds,
  };
}

/** How a sequential test (`--redeploys auto`, `--load-repeats auto`) ended: after `steps` of its unit. */
interface SequentialEnding<Decided extends string> {
  readonly max: number;
  readonly steps: number;
  readonly decided: Decided | null;
  readonly reason: string;
}

/**
 * The last look of a sequential test, from the plan the run recorded (`auto:MAX`, or a count: null)
 * and its last record (null when it never looked). `unit` names its steps in the reason.
 */
function sequentialEndingOf<Decided extends string>(
  plan: RecordedRedeploys | undefined,
  last: { readonly steps: number; readonly max: number; readonly state: Decided | 'continue'; readonly reason: string } | null,
  unit: string,
  neverLooked: string,
): SequentialEnding<Decided> | null {
  if (last === null) return typeof plan === 'object' ? { max: plan.max, steps: 0, decided: null, reason: neverLooked } : null;
  const decided = last.state === 'continue' ? null : last.state;
  const reason = decided === null && last.steps >= last.max ? `undecided after ${last.max} ${unit}, the most allowed: ${last.reason}` : last.reason;
  return { max: last.max, steps: last.steps, decided, reason };
}

/** The last decision of `--redeploys auto`; null for a fixed redeploy count. */
function sequentialRedeploysOf(settings: RunStartRecord['settings'], last: SequentialRecord | null): SequentialRedeploys | null {
  const ending = sequentialEndingOf(settings.redeploys, last && { ...last, steps: last.redeploys }, 'redeploys', 'no redeploy was measured');
  return ending && { mode: 'auto', max: ending.max, redeploys: ending.steps, decided: ending.decided, reason: ending.reason };
}

/** The last decision of `--load-repeats auto`; null without it. */
function sequentialLoadRepeatsOf(settings: RunStartRecord['settings'], last: LoadSequentialRecord | null): SequentialLoadRepeats | null {
  const ending = sequentialEndingOf(
    settings.loadRepeats,
    last && { ...last, steps: last.repeats },
    'repeats',
    'the traffic test never looked (the run ended before its planned steps did)',
  );
  return ending && { mode: 'auto', max: ending.max, repeats: ending.steps, decided: ending.decided, reason: ending.reason };
}

function overheadOf(harnessCpuSeconds: number, gatewayCpuSeconds: number): ReportOverhead {
  const ratio = gatewayCpuSeconds > 0 ? round4(harnessCpuSeconds / gatewayCpuSeconds) : null;
  return {
    harnessCpuSeconds: round4(harnessCpuSeconds),
    gatewayCpuSeconds: round4(gatewayCpuSeconds),
    ratio,
    warning:
      ratio !== null && ratio > OVERHEAD_WARN_RATIO
        ? `the harness used ${ratio} CPU seconds per gateway CPU second (above ${OVERHEAD_WARN_RATIO}): on a shared machine it may have slowed the gateway it measures`
        : null,
  };
}

function crashOf(r: CrashRecord): ReportCrash {
  return { services: r.services, phase: r.phase, exitCode: r.exit.exitCode, signal: r.exit.signal, stderrTail: r.exit.stderrTail };
}
