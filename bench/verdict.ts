/**
 * Bench: the leak verdict's operating characteristics, measured. Simulates a grid of scenario
 * classes (bench/lib/scenarios.ts), runs `analyzeRounds` on every seed and reports the confusion
 * table (class × verdict, in %), the targets of issue 13 as PASS/FAIL, the smallest per-deploy leak
 * found with 80 % power at 6, 10 and 20 redeploys, and the out-of-memory prediction's coverage.
 *
 *   npm run bench -- verdict    or    npx tsx bench/verdict.ts
 *   BENCH_VERDICT_SEEDS=500 (per class)   BENCH_VERDICT_POWER_SEEDS=200 (per leak size in the power search)
 *   BENCH_VERDICT_POINT_SHARE=1 fixes the point share of the noise for every seed (default: drawn U(0,1) per seed)
 */
import { analyzeRounds, type Analysis, type AnalysisOptions } from '../src/analysis/analysis.js';
import type { Round } from '../src/run-log/round.js';
import type { VerdictKind } from '../src/analysis/verdict.js';
import { sequentialLoadDecision, sequentialRedeployDecision, type LoadSequentialState, type SequentialState } from '../src/analysis/sequential.js';
import { SEQUENTIAL_MAX_LOAD_REPEATS } from '../src/analysis/constants.js';
import { check, isMain, runAlone, sig, type BenchOutcome, type Check } from './lib/check.js';
import { wilsonInterval } from './lib/proportion.js';
import { olsSlopeRises } from './lib/slope-test.js';
import { expectedVerdicts, leaks, SCENARIO_DEFINITIONS, scenarioLabel, simulateRun, type ScenarioClass, type SimulationOverrides } from './lib/scenarios.js';

const SEEDS = Number(process.env['BENCH_VERDICT_SEEDS'] ?? 500);
const POWER_SEEDS = Number(process.env['BENCH_VERDICT_POWER_SEEDS'] ?? 200);
/** Runs per class in the sequential (`--redeploys auto`) check: each is up to 30 analyses. */
const SEQUENTIAL_SEEDS = Number(process.env['BENCH_VERDICT_SEQUENTIAL_SEEDS'] ?? 200);
const SEQUENTIAL_MAX = 30;
/** Seeds per class of the sequential traffic test (`--load-repeats auto`), and its MAX. */
const LOAD_SEQUENTIAL_SEEDS = Number(process.env['BENCH_VERDICT_LOAD_SEQUENTIAL_SEEDS'] ?? 500);
const LOAD_SEQUENTIAL_MAX = SEQUENTIAL_MAX_LOAD_REPEATS;
const LOAD_CLASSES = ['load-leak', 'concurrency-high-water', 'load-flat'] as const;
const POINT_SHARE = process.env['BENCH_VERDICT_POINT_SHARE'];
const OVERRIDES: SimulationOverrides = POINT_SHARE === undefined ? {} : { pointShare: Number(POINT_SHARE) };
/** Detection rate the power search looks for. */
const POWER = 0.8;
/** The power search bisects (in log scale) between these leak sizes, as fractions of memory per deploy. */
const POWER_RANGE = [0.0002, 0.08] as const;
const POWER_STEPS = 7;
const POWER_REDEPLOYS = [6, 10, 20] as const;

type Outcome = VerdictKind | 'error';
const OUTCOMES: readonly Outcome[] = ['healthy', 'leak', 'bounded-retention', 'concurrency-retention', 'inconclusive', 'error'];
const HEADINGS: Readonly<Record<Outcome, string>> = {
  healthy: 'healthy',
  leak: 'leak',
  'bounded-retention': 'bounded',
  'concurrency-retention': 'concurr.',
  inconclusive: 'inconcl.',
  error: 'error',
};

const LEAK_SIZES = [0.0025, 0.005, 0.01, 0.02] as const;
/** One-sided level of the OLS yardstick (the level docs/analysis.md states for the engine's tests). */
const YARDSTICK_ALPHA = 0.001;

/** The grid, in table order. */
export const GRID: readonly ScenarioClass[] = [
  ...[0.005, 0.01, 0.02, 0.03].map((noiseSdFraction) => ({ kind: 'healthy', noiseSdFraction }) as const),
  { kind: 'gc-sawtooth' },
  { kind: 'first-reload-step' },
  { kind: 'outlier-before-restart' },
  { kind: 'slow-cache' },
  { kind: 'live-superlinear' },
  ...POWER_REDEPLOYS.flatMap((redeploys) => LEAK_SIZES.map((leakFraction) => ({ kind: 'per-deploy-leak', leakFraction, redeploys }) as const)),
  { kind: 'retained-configs' },
  { kind: 'concurrency-high-water' },
  { kind: 'load-leak' },
  { kind: 'load-flat' },
  { kind: 'too-little-data' },
];

interface ClassResult {
  readonly label: string;
  readonly scenario: ScenarioClass;
  readonly seeds: number;
  readonly counts: Readonly<Record<Outcome, number>>;
  readonly expected: readonly VerdictKind[];
  /** % of seeds whose verdict is one of the expected ones. */
  readonly expectedPct: number;
  readonly leakPct: number;
  /** Leak verdicts among seeds whose point share of the noise is below / at least ½ (replicates see most / little of it). */
  readonly leakByShare: { readonly low: Tally; readonly high: Tally };
  /** For the outlier class: leak verdicts when all replicates / one replicate read high. */
  readonly leakByOutlier: { readonly all: Tally; readonly one: Tally } | null;
  /** Leak found by the OLS slope yardstick on the redeploys (healthy and per-deploy-leak classes). */
  readonly yardstick: Tally | null;
  readonly errors: readonly string[];
}

/** `count` of `of` seeds. */
interface Tally {
  count: number;
  of: number;
}
const tally = (): Tally => ({ count: 0, of: 0 });
const add = (t: Tally, hit: boolean): void => {
  t.of++;
  if (hit) t.count++;
};

function outcomeOf(rows: readonly Round[], options: AnalysisOptions, errors: string[]): { outcome: Outcome; analysis: Analysis | null } {
  try {
    const analysis = analyzeRounds(rows, options);
    return { outcome: analysis.verdict.kind, analysis };
  } catch (error) {
    // An engine that throws on a run is a wrong answer for that seed, not a broken bench.
    if (errors.length < 3) errors.push(error instanceof Error ? error.message : String(error));
    return { outcome: 'error', analysis: null };
  }
}

const pct = (count: number, of: number): number => (of === 0 ? NaN : (100 * count) / of);

function runClass(scenario: ScenarioClass, seeds: number): ClassResult {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  const errors: string[] = [];
  const byShare = { low: tally(), high: tally() };
  const byOutlier = { all: tally(), one: tally() };
  const yardstick = tally();
  const withYardstick = scenario.kind === 'healthy' || scenario.kind === 'per-deploy-leak';
  for (let i = 0; i < seeds; i++) {
    const sim = simulateRun(scenario, String(i), OVERRIDES);
    const { outcome } = outcomeOf(sim.rows, sim.options, errors);
    counts[outcome]++;
    add(sim.noise.pointShare < 0.5 ? byShare.low : byShare.high, outcome === 'leak');
    if (sim.outlier !== null) add(sim.outlier.replicates.length > 1 ? byOutlier.all : byOutlier.one, outcome === 'leak');
    if (withYardstick) add(yardstick, olsSlopeRises(sim.rows, YARDSTICK_ALPHA) === true);
  }
  const expected = expectedVerdicts(scenario);
  return {
    label: scenarioLabel(scenario),
    scenario,
    seeds,
    counts,
    expected,
    expectedPct: pct(sum(expected.map((k) => counts[k])), seeds),
    leakPct: pct(counts.leak, seeds),
    leakByShare: byShare,
    leakByOutlier: scenario.kind === 'outlier-before-restart' ? byOutlier : null,
    yardstick: withYardstick ? yardstick : null,
    errors,
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** `predictedOomInterval` ([low, high]) when the engine gives one; read loosely, as today's `Analysis` has no such field. */
export function oomIntervalOf(analysis: Analysis): readonly [number, number] | null {
  const value: unknown = Reflect.get(analysis, 'predictedOomInterval');
  if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'number') return [value[0], value[1]];
  return null;
}

interface OomResult {
  readonly seeds: number;
  /** Seeds whose true crash lies inside predictedOomInterval (a missing interval covers nothing). */
  readonly covered: number;
  /** Seeds whose predictedOomServices is within ±15 % of the true crash. */
  readonly within15: number;
  readonly noPrediction: number;
  readonly noInterval: number;
  /** Median |predicted − true| ÷ true (a missing prediction counts as infinitely wrong). */
  readonly medianAbsRelativeError: number;
  /** Seeds whose verdict on the fed rows (up to 80 % of the crash) is leak. */
  readonly leakOnFedRows: number;
  /** Seeds whose predictedOomServices is within half a projected round of the true crash, later, or earlier (a bias shows as late ≠ early). */
  readonly exact: number;
  readonly late: number;
  readonly early: number;
}

function runOom(seeds: number): OomResult {
  let covered = 0;
  let within15 = 0;
  let noPrediction = 0;
  let noInterval = 0;
  let leakOnFedRows = 0;
  const side = { exact: 0, late: 0, early: 0 };
  const relErrors: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < seeds; i++) {
    const oom = simulateRun({ kind: 'retained-configs' }, String(i), OVERRIDES).oom;
    if (oom === null) throw new Error('retained-configs gave no out-of-memory case');
    const { outcome, analysis } = outcomeOf(oom.rows, { heapMaxBytes: oom.heapMaxBytes }, errors);
    if (outcome === 'leak') leakOnFedRows++;
    const predicted = analysis?.predictedOomServices ?? null;
    const interval = analysis === null ? null : oomIntervalOf(analysis);
    if (interval === null) noInterval++;
    else if (interval[0] <= oom.crashServices && oom.crashServices <= interval[1]) covered++;
    if (predicted === null) {
      noPrediction++;
      relErrors.push(Infinity);
      continue;
    }
    // Within half a projected round: where the rows were cut at 80 % of the crash, the analysis
    // projects in the fed rows' last round size and the true crash need not lie on its grid.
    const round = analysis?.estimates.prediction.batchServices ?? 0;
    side[Math.abs(predicted - oom.crashServices) < round / 2 || predicted === oom.crashServices ? 'exact' : predicted > oom.crashServices ? 'late' : 'early']++;
    const rel = Math.abs(predicted - oom.crashServices) / oom.crashServices;
    relErrors.push(rel);
    if (rel <= 0.15) within15++;
  }
  relErrors.sort((a, b) => a - b);
  return { seeds, covered, within15, noPrediction, noInterval, medianAbsRelativeError: relErrors[Math.floor(seeds / 2)] ?? NaN, leakOnFedRows, ...side };
}

/** A target on a rate over seeds, with its 95 % interval: the check passes on the point estimate. */
interface RateTarget {
  readonly check: Check;
  readonly count: number;
  readonly of: number;
  /** Wilson 95 % interval, in %. */
  readonly ci95: readonly [number, number];
}

function rateTarget(name: string, count: number, of: number, comparator: '<=' | '>=', targetPct: number): RateTarget {
  const [low, high] = wilsonInterval(count, of);
  return { check: check(name, pct(count, of), comparator, targetPct, '%'), count, of, ci95: [sig(100 * low), sig(100 * high)] };
}

function detectionRate(leakFraction: number, redeploys: number, seeds: number): number {
  let found = 0;
  const errors: string[] = [];
  for (let i = 0; i < seeds; i++) {
    const sim = simulateRun({ kind: 'per-deploy-leak', leakFraction, redeploys }, `power-${i}`, OVERRIDES);
    if (outcomeOf(sim.rows, sim.options, errors).outcome === 'leak') found++;
  }
  return found / seeds;
}

interface PowerResult {
  readonly redeploys: number;
  /** Smallest leak size tried with detection ≥ 80 %; null when even the largest missed it. */
  readonly leakFraction: number | null;
  /** Largest size tried below 80 % (the other end of the bracket); null when the smallest already reached it. */
  readonly belowFraction: number | null;
  readonly tried: readonly { readonly leakFraction: number; readonly detected: number }[];
}

/**
 * Bisection in log scale on the leak size over the same seeds at every size (common random
 * numbers keep the detection curve near-monotone); 7 steps over 0.02–8 % bracket it within ±5 %.
 */
function smallestDetected(redeploys: number, seeds: number): PowerResult {
  const tried: { leakFraction: number; detected: number }[] = [];
  const rate = (leakFraction: number): number => {
    const detected = detectionRate(leakFraction, redeploys, seeds);
    tried.push({ leakFraction: sig(leakFraction, 4), detected });
    return detected;
  };
  let low: number = POWER_RANGE[0];
  let high: number = POWER_RANGE[1];
  if (rate(high) < POWER) return { redeploys, leakFraction: null, belowFraction: high, tried };
  if (rate(low) >= POWER) return { redeploys, leakFraction: low, belowFraction: null, tried };
  for (let i = 0; i < POWER_STEPS; i++) {
    const mid = Math.sqrt(low * high);
    if (rate(mid) >= POWER) high = mid;
    else low = mid;
  }
  return { redeploys, leakFraction: high, belowFraction: low, tried };
}

interface SequentialResult {
  readonly leakFraction: number;
  readonly seeds: number;
  readonly leak: number;
  readonly healthy: number;
  readonly undecided: number;
  /** Mean redeploys at which the test stopped (MAX when undecided). */
  readonly meanRedeploys: number;
}

/**
 * `--redeploys auto:MAX` as the driver runs it: after each redeploy of a 30-redeploy run, the
 * sequential test sees the rows so far and stops at its first decision.
 */
function runSequential(leakFraction: number, seeds: number, max = SEQUENTIAL_MAX): SequentialResult {
  let leak = 0;
  let healthy = 0;
  let undecided = 0;
  let total = 0;
  for (let i = 0; i < seeds; i++) {
    const sim = simulateRun({ kind: 'per-deploy-leak', leakFraction, redeploys: max }, `sequential-${i}`, OVERRIDES);
    const firstRedeploy = sim.rows.findIndex((r) => r.event === 'redeploy');
    let stopped: SequentialState = 'continue';
    let at = max;
    for (let r = 1; r <= max; r++) {
      const decision = sequentialRedeployDecision(sim.rows.slice(0, firstRedeploy + r), { maxRedeploys: max });
      if (decision.state !== 'continue') {
        stopped = decision.state;
        at = r;
        break;
      }
    }
    if (stopped === 'leak') leak++;
    else if (stopped === 'healthy') healthy++;
    else undecided++;
    total += at;
  }
  return { leakFraction, seeds, leak, healthy, undecided, meanRedeploys: total / seeds };
}

interface LoadSequentialResult {
  readonly kind: (typeof LOAD_CLASSES)[number];
  readonly seeds: number;
  readonly counts: Readonly<Record<LoadSequentialState, number>>;
  /** Mean repeats at which the test stopped (MAX when undecided). */
  readonly meanRepeats: number;
}

/**
 * `--load-repeats auto:MAX` as the driver runs it: the class's drawn traffic steps, then repeats of
 * their highest concurrency; the sequential test looks after the steps and after each repeat and
 * stops at its first decision.
 */
function runLoadSequential(kind: (typeof LOAD_CLASSES)[number], seeds: number, max = LOAD_SEQUENTIAL_MAX): LoadSequentialResult {
  const counts: Record<LoadSequentialState, number> = { leak: 0, 'concurrency-retention': 0, healthy: 0, continue: 0 };
  let total = 0;
  for (let i = 0; i < seeds; i++) {
    const rows = simulateRun({ kind }, `load-sequential-${i}`, { ...OVERRIDES, topRepeats: max }).rows;
    const planned = rows.length - max;
    let decision = sequentialLoadDecision(rows.slice(0, planned), 0, max);
    while (decision.state === 'continue' && decision.repeats < max) {
      decision = sequentialLoadDecision(rows.slice(0, planned + decision.repeats + 1), decision.repeats + 1, max);
    }
    counts[decision.state]++;
    total += decision.repeats;
  }
  return { kind, seeds, counts, meanRepeats: total / seeds };
}

const fmtPct = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '–');

/** The confusion table as lines: one row per class, verdict columns in %, then the expected share. */
export function confusionTable(results: readonly ClassResult[]): string[] {
  const width = Math.max(...results.map((r) => r.label.length), 5) + 2;
  const head = `${'class'.padEnd(width)}${'seeds'.padStart(6)}${OUTCOMES.map((o) => HEADINGS[o].padStart(10)).join('')}   expected`;
  const rows = results.map(
    (r) =>
      `${r.label.padEnd(width)}${String(r.seeds).padStart(6)}${OUTCOMES.map((o) => fmtPct(pct(r.counts[o], r.seeds)).padStart(10)).join('')}   ${fmtPct(r.expectedPct).padStart(5)} % ${r.expected.join('/')}`,
  );
  return [`confusion table (% of seeds per verdict):`, head, ...rows];
}

const pctOfMemory = (fraction: number | null): string => (fraction === null ? 'n/a' : `${sig(fraction * 100, 3)} %`);

export function run(): Promise<BenchOutcome> {
  if (OVERRIDES.pointShare !== undefined && !(OVERRIDES.pointShare >= 0 && OVERRIDES.pointShare <= 1)) {
    throw new Error(`BENCH_VERDICT_POINT_SHARE must be a number from 0 to 1, got ${POINT_SHARE}`);
  }
  const t0 = performance.now();
  const results = GRID.map((scenario) => runClass(scenario, SEEDS));
  const oom = runOom(SEEDS);
  const power = POWER_REDEPLOYS.map((r) => smallestDetected(r, POWER_SEEDS));
  const sequential = [0, 0.005, 0.01].map((f) => runSequential(f, SEQUENTIAL_SEEDS));
  const loadSequential = LOAD_CLASSES.map((kind) => runLoadSequential(kind, LOAD_SEQUENTIAL_SEEDS));
  const seconds = (performance.now() - t0) / 1000;

  const find = (label: string): ClassResult => {
    const r = results.find((x) => x.label === label);
    if (r === undefined) throw new Error(`no class ${label}`);
    return r;
  };
  const leak05x10 = find(scenarioLabel({ kind: 'per-deploy-leak', leakFraction: 0.005, redeploys: 10 }));
  const loadLeak = find('load-leak');
  const loadSeq = (kind: (typeof LOAD_CLASSES)[number]): LoadSequentialResult => loadSequential.find((r) => r.kind === kind) as LoadSequentialResult;
  const retained = find('retained-configs');
  const targets: RateTarget[] = [
    ...results.filter((r) => !leaks(r.scenario)).map((r) => rateTarget(`false leak: ${r.label}`, r.counts.leak, r.seeds, '<=', 1)),
    rateTarget('leak found: per-deploy leak 0.5 % × 10 redeploys (±1.5 %)', leak05x10.counts.leak, leak05x10.seeds, '>=', 95),
    rateTarget('leak found: retained-configs with a restart', retained.counts.leak, retained.seeds, '>=', 99),
    rateTarget('OOM: true crash inside predictedOomInterval', oom.covered, oom.seeds, '>=', 90),
    rateTarget('OOM: predictedOomServices within ±15 % of the true crash', oom.within15, oom.seeds, '>=', 90),
    rateTarget('sequential (auto:30): false leak, no leak', (sequential[0] as SequentialResult).leak, SEQUENTIAL_SEEDS, '<=', 1),
    rateTarget('sequential (auto:30): false healthy, 0.5 %/deploy leak', (sequential[1] as SequentialResult).healthy, SEQUENTIAL_SEEDS, '<=', 5),
    // A traffic leak called a pool or "keeps nothing" is the costly error: the user stops looking.
    rateTarget('traffic leak called a pool or healthy (one look)', loadLeak.counts['concurrency-retention'] + loadLeak.counts.healthy, loadLeak.seeds, '<=', 1),
    rateTarget(`sequential traffic (auto:${LOAD_SEQUENTIAL_MAX}): leak found, load-leak`, loadSeq('load-leak').counts.leak, LOAD_SEQUENTIAL_SEEDS, '>=', 95),
    rateTarget(
      `sequential traffic (auto:${LOAD_SEQUENTIAL_MAX}): leak called a pool or healthy, load-leak`,
      loadSeq('load-leak').counts['concurrency-retention'] + loadSeq('load-leak').counts.healthy,
      LOAD_SEQUENTIAL_SEEDS,
      '<=',
      1,
    ),
    rateTarget(
      `sequential traffic (auto:${LOAD_SEQUENTIAL_MAX}): pool found, concurrency-high-water`,
      loadSeq('concurrency-high-water').counts['concurrency-retention'],
      LOAD_SEQUENTIAL_SEEDS,
      '>=',
      90,
    ),
    rateTarget(
      `sequential traffic (auto:${LOAD_SEQUENTIAL_MAX}): false leak, concurrency-high-water`,
      loadSeq('concurrency-high-water').counts.leak,
      LOAD_SEQUENTIAL_SEEDS,
      '<=',
      1,
    ),
    rateTarget(`sequential traffic (auto:${LOAD_SEQUENTIAL_MAX}): false leak, load-flat`, loadSeq('load-flat').counts.leak, LOAD_SEQUENTIAL_SEEDS, '<=', 1),
  ];
  const checks = targets.map((t) => t.check);
  // A point estimate on the right side of a target whose 95 % interval still straddles it is not settled by this many seeds.
  const unsettled = targets.filter((t) => t.ci95[0] <= t.check.target && t.check.target <= t.ci95[1]);
  const healthyLine = results
    .filter((r) => r.scenario.kind === 'healthy')
    .map((r) => `${r.label}: ${fmtPct(pct(r.counts.healthy, r.seeds))} %`)
    .join(', ');
  const rateAt = (p: PowerResult, fraction: number | null): string => {
    const tried = p.tried.find((t) => fraction !== null && t.leakFraction === sig(fraction, 4));
    return tried === undefined ? '' : ` found in ${fmtPct(100 * tried.detected)} %`;
  };
  const powerLine = power
    .map((p) =>
      p.leakFraction === null
        ? `${p.redeploys} redeploys > ${pctOfMemory(p.belowFraction)}${rateAt(p, p.belowFraction)}`
        : `${p.redeploys} redeploys ${pctOfMemory(p.leakFraction)}${rateAt(p, p.leakFraction)} (${pctOfMemory(p.belowFraction)}${rateAt(p, p.belowFraction)})`,
    )
    .join(', ');
  const shareLine = (r: ClassResult): string =>
    `${r.label}: ${fmtPct(pct(r.leakByShare.low.count, r.leakByShare.low.of))} % (n=${r.leakByShare.low.of}) vs ${fmtPct(pct(r.leakByShare.high.count, r.leakByShare.high.of))} % (n=${r.leakByShare.high.of})`;
  const outlier = find('outlier-before-restart').leakByOutlier;
  const yardstickLine = results
    .filter((r) => r.yardstick !== null)
    .map((r) => `${r.label} ${fmtPct(pct(r.yardstick?.count ?? 0, r.yardstick?.of ?? 0))}`)
    .join(', ');
  const errorLines = results.filter((r) => r.errors.length > 0).map((r) => `analyzeRounds threw on ${r.label} (${r.counts.error} seeds): ${r.errors[0]}`);
  const info = [
    ...confusionTable(results),
    `healthy verdicts: ${healthyLine}`,
    `power: smallest per-deploy leak (% of memory) found as leak in ≥ ${POWER * 100} % of ${POWER_SEEDS} seeds per size (log bisection, ${POWER_STEPS} steps, same seeds at every size, ±1.5 % uniform noise): ${powerLine}`,
    `OOM (retained-configs, rows up to 80 % of the true crash, ${oom.seeds} seeds): interval covers the crash ${fmtPct(pct(oom.covered, oom.seeds))} % (no interval ${fmtPct(pct(oom.noInterval, oom.seeds))} %), point within ±15 % ${fmtPct(pct(oom.within15, oom.seeds))} %, median |error| ${fmtPct(oom.medianAbsRelativeError * 100)} %, no prediction ${fmtPct(pct(oom.noPrediction, oom.seeds))} %, leak on the fed rows ${fmtPct(pct(oom.leakOnFedRows, oom.seeds))} %; the point within half a round of the crash ${fmtPct(pct(oom.exact, oom.seeds))} %, later ${fmtPct(pct(oom.late, oom.seeds))} %, earlier ${fmtPct(pct(oom.early, oom.seeds))} %`,
    `leak verdicts by point share of the noise (< ½: replicates see most of it; ≥ ½: they see little): ${shareLine(leak05x10)}; ${shareLine(find(scenarioLabel({ kind: 'healthy', noiseSdFraction: 0.03 })))}`,
    ...(outlier === null
      ? []
      : [
          `outlier-before-restart leak: all replicates high ${fmtPct(pct(outlier.all.count, outlier.all.of))} % (n=${outlier.all.of}), one replicate ${fmtPct(pct(outlier.one.count, outlier.one.of))} % (n=${outlier.one.of})`,
        ]),
    `sequential --redeploys auto:${SEQUENTIAL_MAX} (±1.5 % uniform noise, ${SEQUENTIAL_SEEDS} seeds each): ${sequential
      .map(
        (q) =>
          `${q.leakFraction === 0 ? 'no leak' : `leak ${q.leakFraction * 100} %/deploy`}: leak ${fmtPct(pct(q.leak, q.seeds))} %, healthy ${fmtPct(pct(q.healthy, q.seeds))} %, undecided ${fmtPct(pct(q.undecided, q.seeds))} %, stopped after ${sig(q.meanRedeploys, 3)} redeploys on average`,
      )
      .join('; ')}`,
    `sequential --load-repeats auto:${LOAD_SEQUENTIAL_MAX} (${LOAD_SEQUENTIAL_SEEDS} seeds each; % leak / concurrency-retention / healthy / undecided, mean repeats): ${loadSequential
      .map(
        (q) =>
          `${q.kind} ${fmtPct(pct(q.counts.leak, q.seeds))} / ${fmtPct(pct(q.counts['concurrency-retention'], q.seeds))} / ${fmtPct(pct(q.counts.healthy, q.seeds))} / ${fmtPct(pct(q.counts.continue, q.seeds))}, ${sig(q.meanRepeats, 3)} repeats`,
      )
      .join('; ')}`,
    `yardstick, OLS slope over the last round + redeploys (one-sided t-test, α = ${YARDSTICK_ALPHA}), % called rising: ${yardstickLine}`,
    ...unsettled.map(
      (t) =>
        `not settled by ${t.of} seeds: ${t.check.name}: ${t.count}/${t.of} = ${sig(t.check.value)} %, 95 % interval ${t.ci95[0]}–${t.ci95[1]} % (target ${t.check.comparator === '<=' ? '≤' : '≥'} ${t.check.target} %)`,
    ),
    `seeds: ${POINT_SHARE === undefined ? '' : `point share fixed at ${POINT_SHARE}; `}${SEEDS} per class (${GRID.length} classes) + ${SEEDS} OOM + ${POWER_SEEDS} per size in the power search; ${sig(seconds)} s`,
    ...errorLines,
  ];
  return Promise.resolve({
    name: 'verdict',
    checks,
    info,
    data: {
      seedsPerClass: SEEDS,
      powerSeedsPerSize: POWER_SEEDS,
      pointShare: OVERRIDES.pointShare ?? 'U(0,1) per seed',
      seconds: sig(seconds),
      scenarios: SCENARIO_DEFINITIONS,
      classes: results.map((r) => ({
        label: r.label,
        scenario: r.scenario,
        seeds: r.seeds,
        percent: Object.fromEntries(OUTCOMES.map((o) => [o, sig(pct(r.counts[o], r.seeds), 4)])),
        expected: r.expected,
        expectedPercent: sig(r.expectedPct, 4),
        leakByPointShare: r.leakByShare,
        ...(r.leakByOutlier === null ? {} : { leakByOutlierReplicates: r.leakByOutlier }),
        ...(r.yardstick === null ? {} : { yardstickRising: r.yardstick }),
        errors: r.errors,
      })),
      targets: targets.map((t) => ({
        name: t.check.name,
        count: t.count,
        of: t.of,
        percent: sig(t.check.value, 4),
        ci95: t.ci95,
        target: t.check.target,
        comparator: t.check.comparator,
        pass: t.check.pass,
      })),
      oom,
      power,
      sequential,
      loadSequential,
    },
  });
}

if (isMain(import.meta.url)) await runAlone(run);
