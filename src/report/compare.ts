/**
 * Comparing two runs (A, the baseline, and B, the candidate): memory per service with a confidence
 * interval for the ratio B/A (Fieller), the other numbers side by side, the verdicts, and a
 * conclusion in plain words. Pure: two reports in, a comparison out.
 *
 * Method. Each run's per-service estimate comes with a 95 % interval; its standard error is taken
 * back from the interval as half-width ÷ 1.96 (conservative when the interval used a t quantile).
 * The ratio's 95 % interval is Fieller's. B differs from A beyond noise when that interval excludes
 * 1 and the estimated change is at least the noise floor (run-to-run variation that no single run's
 * interval sees). B regresses when it holds more per service beyond noise by more than
 * --max-regression, or when B leaks and A did not.
 */
import type { VerdictKind } from '../analysis/verdict.js';
import type { Report } from './build.js';
import { formatBytes, formatBytesWithCi, formatCount, formatPercent, formatRatio } from './format.js';
import { fiellerRatio, standardErrorOfInterval, type Estimate } from './ratio-ci.js';
import { runLabel } from './report-view.js';
import { verdictSeverity } from './verdict-words.js';

/** The part of a report a comparison reads (a report.json from disk has all of it). */
export type ComparedReport = Pick<
  Report,
  | 'target'
  | 'profile'
  | 'state'
  | 'gateway'
  | 'tool'
  | 'settings'
  | 'verdict'
  | 'perServiceBytes'
  | 'retainedPerDeployBytes'
  | 'boundedRetentionBytes'
  | 'deployPeakFactor'
  | 'deployTimeExponent'
  | 'heapMaxBytes'
  | 'predictedOomServices'
  | 'bytesPerConcurrency'
  | 'estimates'
  | 'rounds'
  | 'crash'
>;

export interface CompareThresholds {
  /** B may hold this much more per service (a fraction, 0.1 = 10 %) before it is a regression. */
  readonly maxRegression: number;
  /** Relative differences smaller than this (a fraction) are noise even when the intervals exclude them. */
  readonly noiseFloor: number;
}

export const DEFAULT_THRESHOLDS: CompareThresholds = { maxRegression: 0.1, noiseFloor: 0.05 };

/** Which way B moved, from the user's side: `better` is less memory, later out-of-memory, etc. */
export type Direction = 'better' | 'worse' | 'no-difference' | 'unknown';

export interface PerServiceComparison {
  readonly aBytes: number | null;
  readonly bBytes: number | null;
  readonly aCi95: readonly [number | null, number | null] | null;
  readonly bCi95: readonly [number | null, number | null] | null;
  /** B ÷ A. */
  readonly ratio: number | null;
  /** Fieller's 95 % interval of B ÷ A; null when it is unbounded or an input is missing. */
  readonly ratioCi95: readonly [number, number] | null;
  /** True when the interval excludes 1 and the change is at least the noise floor. */
  readonly beyondNoise: boolean;
  readonly direction: Direction;
  /** B holds more per service beyond noise by more than --max-regression. */
  readonly regression: boolean;
  /** One sentence. */
  readonly text: string;
}

export interface MetricComparison {
  readonly key: string;
  readonly label: string;
  readonly unit: 'bytes' | 'ratio' | 'exponent' | 'services';
  readonly a: number | null;
  readonly b: number | null;
  readonly aCi95: readonly [number | null, number | null] | null;
  readonly bCi95: readonly [number | null, number | null] | null;
  /** (B − A) ÷ A; null when A is 0 or either is missing. */
  readonly relativeChange: number | null;
  /** True when both intervals exist and the difference's 95 % interval (normal, Welch-type) excludes 0. */
  readonly beyondNoise: boolean | null;
  readonly direction: Direction;
}

export interface VerdictComparison {
  readonly a: VerdictKind;
  readonly b: VerdictKind;
  readonly direction: Direction;
  /** A did not leak, B does. */
  readonly newLeak: boolean;
  readonly text: string;
}

export interface RunSide {
  readonly label: string;
  readonly gatewayVersion: string | null;
  readonly harnessVersion: string;
  readonly state: Report['state'];
  readonly verdict: VerdictKind;
  readonly maxServices: number;
}

export type ConclusionKind = 'better' | 'worse' | 'mixed' | 'no-difference' | 'inconclusive';

export interface Comparison {
  readonly a: RunSide;
  readonly b: RunSide;
  readonly thresholds: CompareThresholds;
  readonly perService: PerServiceComparison;
  readonly verdict: VerdictComparison;
  readonly metrics: readonly MetricComparison[];
  /** B is worse than A: per service beyond --max-regression, or a new leak. Exit code 8. */
  readonly regression: boolean;
  readonly regressionReasons: readonly string[];
  /** Run settings that differ between A and B (services, batch, redeploys…), as `name: A → B`. */
  readonly settingsDiffer: readonly string[];
  readonly conclusion: {
    readonly kind: ConclusionKind;
    /** One sentence: better, worse, mixed, no difference, inconclusive. */
    readonly headline: string;
    /** The findings behind it, one sentence each. */
    readonly details: readonly string[];
    /** Headline and details as one paragraph. */
    readonly text: string;
  };
  /** How "beyond noise" was decided, in one paragraph (also in docs/reports.md). */
  readonly method: string;
}

export const COMPARE_METHOD =
  "Memory per service: each run's estimate with its 95% interval; standard errors taken back from the intervals (half-width ÷ 1.96); Fieller's 95% interval for the ratio B/A. " +
  'A difference is beyond noise when that interval excludes 1 and the change is at least the noise floor. ' +
  'Other numbers with intervals on both sides: the difference B − A with a normal 95% interval (Welch-type, standard errors from the intervals).';

const Z95 = 1.959963984540054;

function estimateOf(value: number | null, ci: readonly [number | null, number | null] | null | undefined): Estimate | null {
  if (value === null || !ci || ci[0] === null || ci[1] === null) return null;
  return { value, standardError: standardErrorOfInterval(ci[0], ci[1], Infinity), dof: Infinity };
}

const pct = (fraction: number): string => formatPercent(Math.abs(fraction), 2);

/** Compares memory per service of A and B. */
export function comparePerService(a: ComparedReport, b: ComparedReport, t: CompareThresholds): PerServiceComparison {
  const aCi = a.estimates.perService?.ci95 ?? null;
  const bCi = b.estimates.perService?.ci95 ?? null;
  const base = { aBytes: a.perServiceBytes, bBytes: b.perServiceBytes, aCi95: aCi, bCi95: bCi };
  const ea = estimateOf(a.perServiceBytes, aCi);
  const eb = estimateOf(b.perServiceBytes, bCi);
  const ratio = a.perServiceBytes !== null && b.perServiceBytes !== null && a.perServiceBytes > 0 ? b.perServiceBytes / a.perServiceBytes : null;
  /** No interval for the ratio: nothing is beyond noise, and `text` says why. */
  const undecided = (text: string): PerServiceComparison => ({
    ...base,
    ratio,
    ratioCi95: null,
    beyondNoise: false,
    direction: 'unknown',
    regression: false,
    text,
  });
  if (ea === null || eb === null || !(ea.value > 0) || !(eb.value > 0)) {
    const why =
      a.perServiceBytes === null || b.perServiceBytes === null
        ? 'one run has no per-service estimate'
        : ea === null || eb === null
          ? 'one run has no confidence interval for it'
          : 'an estimate is not positive';
    return undecided(`Memory per service cannot be compared beyond noise: ${why} (A ${formatBytes(a.perServiceBytes)}, B ${formatBytes(b.perServiceBytes)}).`);
  }
  const r = fiellerRatio(ea, eb);
  if (r.kind === 'unbounded') return undecided(`Memory per service: A's estimate is too uncertain to bound the ratio (B/A = ${formatRatio(r.ratio)}).`);
  const change = r.ratio - 1;
  const excludesOne = r.lower > 1 || r.upper < 1;
  const beyondNoise = excludesOne && Math.abs(change) >= t.noiseFloor;
  const ciText = (lo: number, hi: number): string => `95% CI ${formatPercent(lo, 2)}–${formatPercent(hi, 2)}`;
  let text: string;
  let direction: Direction;
  let regression = false;
  if (!beyondNoise) {
    direction = 'no-difference';
    const why = excludesOne ? `, below the ${formatPercent(t.noiseFloor)} noise floor` : '';
    text = `Memory per service: no difference beyond noise (B/A = ${formatRatio(r.ratio)}, 95% CI ${formatRatio(r.lower)}–${formatRatio(r.upper)}${why}).`;
  } else if (change < 0) {
    direction = 'better';
    text = `B holds ${pct(change)} less memory per service than A (${ciText(1 - r.upper, 1 - r.lower)}; ${formatBytes(ea.value)} → ${formatBytes(eb.value)}).`;
  } else {
    direction = 'worse';
    regression = change > t.maxRegression;
    text = `B holds ${pct(change)} more memory per service than A (${ciText(r.lower - 1, r.upper - 1)}; ${formatBytes(ea.value)} → ${formatBytes(eb.value)})${regression ? `, more than the ${formatPercent(t.maxRegression)} allowed` : `, within the ${formatPercent(t.maxRegression)} allowed`}.`;
  }
  return { ...base, ratio: r.ratio, ratioCi95: [r.lower, r.upper], beyondNoise, direction, regression, text };
}

/** Compares the verdicts: severity healthy < bounded-retention < concurrency-retention < leak. */
export function compareVerdicts(a: ComparedReport, b: ComparedReport): VerdictComparison {
  const ka = a.verdict.kind;
  const kb = b.verdict.kind;
  const sa = verdictSeverity(ka);
  const sb = verdictSeverity(kb);
  const newLeak = kb === 'leak' && ka !== 'leak';
  let direction: Direction = 'unknown';
  let text: string;
  if (ka === kb) {
    direction = sa === null ? 'unknown' : 'no-difference';
    text = ka === 'leak' ? 'Both leak.' : ka === 'inconclusive' ? 'Both verdicts are inconclusive.' : `Both are ${ka}.`;
  } else if (sa !== null && sb !== null) {
    direction = sb < sa ? 'better' : 'worse';
    if (ka === 'leak') text = `B no longer leaks (A: leak, B: ${kb}).`;
    else if (newLeak) text = `B leaks; A did not (A: ${ka}, B: leak).`;
    else text = `The verdict went from ${ka} (A) to ${kb} (B).`;
  } else {
    text = newLeak ? `B leaks (A: ${ka}).` : `The verdict went from ${ka} (A) to ${kb} (B); one of them cannot decide.`;
    if (newLeak) direction = 'worse';
  }
  return { a: ka, b: kb, direction, newLeak, text };
}

/** A field of the report that holds a number (or null). */
type NumberField = { [K in keyof ComparedReport]-?: ComparedReport[K] extends number | null ? K : never }[keyof ComparedReport];

/** One number compared beside memory per service. */
interface MetricRow {
  /** The report's field, also the comparison's key. */
  readonly key: NumberField;
  readonly label: string;
  readonly unit: MetricComparison['unit'];
  readonly lowerIsBetter: boolean;
  /** The estimate whose 95 % interval the difference is judged by; without one, by the noise floor alone. */
  readonly interval?: 'retainedPerDeploy' | 'deployTimeExponent' | 'bytesPerConcurrency';
  /** Replaces --noise-floor: heap max is a setting, not a measurement, so any difference counts. */
  readonly noiseFloor?: number;
}

/** The numbers beside memory per service, in the order the comparison lists them. */
const METRICS: readonly MetricRow[] = [
  { key: 'retainedPerDeployBytes', label: 'Retained per deploy', unit: 'bytes', lowerIsBetter: true, interval: 'retainedPerDeploy' },
  { key: 'deployPeakFactor', label: 'Deploy peak factor', unit: 'ratio', lowerIsBetter: true },
  { key: 'deployTimeExponent', label: 'Deploy time exponent', unit: 'exponent', lowerIsBetter: true, interval: 'deployTimeExponent' },
  { key: 'predictedOomServices', label: 'Out of memory at (services)', unit: 'services', lowerIsBetter: false },
  { key: 'heapMaxBytes', label: 'Heap max', unit: 'bytes', lowerIsBetter: false, noiseFloor: 0 },
  { key: 'bytesPerConcurrency', label: 'Kept per unit of concurrency', unit: 'bytes', lowerIsBetter: true, interval: 'bytesPerConcurrency' },
  { key: 'boundedRetentionBytes', label: 'Bounded retention', unit: 'bytes', lowerIsBetter: true },
];

/** One row of {@link METRICS} for runs A and B. */
function metric(row: MetricRow, runA: ComparedReport, runB: ComparedReport, noiseFloor: number): MetricComparison {
  const { key, label, unit, lowerIsBetter, interval } = row;
  const a = runA[key];
  const b = runB[key];
  const aCi = interval === undefined ? null : (runA.estimates[interval]?.ci95 ?? null);
  const bCi = interval === undefined ? null : (runB.estimates[interval]?.ci95 ?? null);
  const relativeChange = a !== null && b !== null && a !== 0 ? (b - a) / Math.abs(a) : null;
  const ea = estimateOf(a, aCi);
  const eb = estimateOf(b, bCi);
  let beyondNoise: boolean | null = null;
  if (ea !== null && eb !== null) {
    const half = Z95 * Math.hypot(ea.standardError, eb.standardError);
    beyondNoise = Math.abs(eb.value - ea.value) > half && (relativeChange === null || Math.abs(relativeChange) >= noiseFloor);
  }
  let direction: Direction = 'unknown';
  if (a !== null && b !== null && a === b) {
    direction = 'no-difference';
  } else if (a !== null && b !== null) {
    const material = beyondNoise ?? (relativeChange === null ? a !== b : Math.abs(relativeChange) >= noiseFloor);
    direction = !material ? 'no-difference' : b < a === lowerIsBetter ? 'better' : 'worse';
  }
  return { key, label, unit, a, b, aCi95: aCi, bCi95: bCi, relativeChange, beyondNoise, direction };
}

/** The numbers beside memory per service, each with its direction. */
export function compareMetrics(a: ComparedReport, b: ComparedReport, t: CompareThresholds): MetricComparison[] {
  return METRICS.map((row) => metric(row, a, b, row.noiseFloor ?? t.noiseFloor));
}

/**
 * Settings that say where a run is, not what it measured, or which gateway it measured (target,
 * profile, Node-RED's gatewayVersion: what a comparison compares): they may differ freely.
 */
const INCIDENTAL_SETTINGS = new Set(['outDir', 'target', 'profile', 'gatewayVersion', 'seed', 'callTimeoutMs', 'credentialsFile', 'resume']);

/** Settings that differ between the runs, which makes the comparison less like-for-like. */
export function differingSettings(a: ComparedReport, b: ComparedReport): string[] {
  const keys = [...new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])].filter((k) => !INCIDENTAL_SETTINGS.has(k)).sort();
  return keys.flatMap((k) => {
    const va = JSON.stringify(a.settings[k] ?? null);
    const vb = JSON.stringify(b.settings[k] ?? null);
    return va === vb ? [] : [`${k}: ${va} → ${vb}`];
  });
}

function sideOf(r: ComparedReport): RunSide {
  return {
    label: runLabel(r),
    gatewayVersion: r.gateway.version,
    harnessVersion: r.tool.version,
    state: r.state,
    verdict: r.verdict.kind,
    maxServices: Math.max(0, ...r.rounds.map((x) => x.services)),
  };
}

/** Compares run B (candidate) against run A (baseline). */
export function compareReports(a: ComparedReport, b: ComparedReport, thresholds: CompareThresholds = DEFAULT_THRESHOLDS): Comparison {
  const perService = comparePerService(a, b, thresholds);
  const verdict = compareVerdicts(a, b);
  const metrics = compareMetrics(a, b, thresholds);
  const regressionReasons: string[] = [];
  if (perService.regression) regressionReasons.push(perService.text);
  if (verdict.newLeak) regressionReasons.push(verdict.text);
  const retained = metrics.find((m) => m.key === 'retainedPerDeployBytes');
  const oom = metrics.find((m) => m.key === 'predictedOomServices');
  const sentences = [perService.text, verdict.text];
  // Retained per deploy and the prediction explain a verdict change; alone they would be noise-prone.
  if (retained && retained.beyondNoise === true && verdict.a !== verdict.b) {
    sentences.push(`Retained per deploy went from ${formatBytesWithCi(retained.a, retained.aCi95)} to ${formatBytesWithCi(retained.b, retained.bCi95)}.`);
  }
  if (oom && oom.a !== oom.b && oom.direction !== 'no-difference') {
    sentences.push(
      `Predicted out of memory: A at ${oom.a === null ? 'no predicted point' : `≈ ${formatCount(oom.a)} services`}, B at ${oom.b === null ? 'no predicted point' : `≈ ${formatCount(oom.b)} services`}.`,
    );
  }
  if (a.crash !== null || b.crash !== null) {
    sentences.push(
      `${a.crash !== null ? `A crashed at ${formatCount(a.crash.services)} services` : 'A did not crash'}; ${b.crash !== null ? `B crashed at ${formatCount(b.crash.services)} services` : 'B did not crash'}.`,
    );
  }
  const settingsDiffer = differingSettings(a, b);
  if (settingsDiffer.length > 0)
    sentences.push(`The runs were not set up alike (${settingsDiffer.join('; ')}): differences may come from the setup, not the gateway.`);
  const directions = [perService.direction, verdict.direction];
  const better = directions.includes('better');
  const worse = directions.includes('worse');
  let kind: ConclusionKind;
  if (better && worse) kind = 'mixed';
  else if (better) kind = 'better';
  else if (worse) kind = 'worse';
  else if (directions.every((d) => d === 'no-difference')) kind = 'no-difference';
  else if (perService.direction === 'no-difference' && verdict.direction === 'unknown') kind = 'no-difference';
  else kind = 'inconclusive';
  const lead: Record<ConclusionKind, string> = {
    better: 'B is better than A.',
    worse: regressionReasons.length > 0 ? 'B is worse than A: a regression.' : 'B is worse than A, within the allowed margin.',
    mixed: 'B is better in one respect and worse in another.',
    'no-difference': 'No difference beyond noise between A and B.',
    inconclusive: 'The runs cannot be told apart with confidence.',
  };
  return {
    a: sideOf(a),
    b: sideOf(b),
    thresholds,
    perService,
    verdict,
    metrics,
    regression: regressionReasons.length > 0,
    regressionReasons,
    settingsDiffer,
    conclusion: { kind, headline: lead[kind], details: sentences, text: [lead[kind], ...sentences].join(' ') },
    method: COMPARE_METHOD,
  };
}
