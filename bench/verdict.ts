/**
 * Bench: the leak verdict's operating characteristics, measured. Simulates a grid of scenario
 * classes (bench/lib/scenarios.ts), runs `analyzeRounds` on every seed and reports the confusion
 * table (class × verdict, in %), the targets of issue 13 as PASS/FAIL, the smallest per-deploy leak
 * found with 80 % power at 6, 10 and 20 redeploys, and the out-of-memory prediction's coverage.
 *
 *   npm run bench -- verdict    or    npx tsx bench/verdict.ts
 *   BENCH_VERDICT_SEEDS=500 (per class)   BENCH_VERDICT_POWER_SEEDS=200 (per leak size in the power search)
 */
import { analyzeRounds, type Analysis, type AnalysisOptions } from '../src/analysis/analysis.js';
import type { Round } from '../src/analysis/round.js';
import type { VerdictKind } from '../src/analysis/verdict.js';
import { check, isMain, runAlone, sig, type BenchOutcome, type Check } from './lib/check.js';
import { expectedVerdicts, leaks, scenarioLabel, simulateRun, type ScenarioClass } from './lib/scenarios.js';

const SEEDS = Number(process.env['BENCH_VERDICT_SEEDS'] ?? 500);
const POWER_SEEDS = Number(process.env['BENCH_VERDICT_POWER_SEEDS'] ?? 200);
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
  { kind: 'too-little-data' },
];

/** One line per class: what the generator does (printed into the results JSON). */
export const SCENARIO_DEFINITIONS: readonly string[] = [
  'all: fresh-start row at 0 services (deployMs null), 5–20 rounds of 0.5–1.5 × a nominal batch (log-uniform 20–400), base 30–300 MiB, live 20–400 KiB/service, K=3 readings per point (memoryBytes = their mean), replicate correlation (point share of the noise) U(0,1) per seed, heap peak = memory before the deploy × U(1.3,2.1) (±5 % per deploy), 15 % of rows without elapsedMs, 10 % without deployMs; restart after round 30–70 % of the rounds',
  'healthy sd X: memory = base + c·n; normal noise of sd X per reading; restart in half the seeds; 6–10 redeploys',
  'gc-sawtooth: as healthy, afterGc false, each reading = live × (1 + U(0, 0.10)); restart in half the seeds; 6–10 redeploys',
  'first-reload-step: as healthy (noise sd U(0.5,1.5) %), + 3–8 % of live memory at the first deploy that replaces a loaded configuration of a process, flat after; restart (which drops it until the next reload) in half the seeds; 6–10 redeploys',
  'outlier-before-restart: healthy (sd U(0.5,1.5) %) with a restart; the point before the restart reads 6 % high in all replicates (half the seeds) or one; 6–10 redeploys',
  'slow-cache: + a cache filling 20 % of the remaining gap to B = 5–15 % of the final live memory per deploy; restart after ≤ 8 deploys (cache ≤ 83 % full); 6–10 redeploys',
  'live-superlinear: memory = base + c·n + q·n², q·n² = 30–60 % of memory at the last round; restart in half the seeds; flat redeploys (6–10)',
  'per-deploy leak L × R: every deploy (round or redeploy) keeps L × the final live memory; no restart; R redeploys; uniform ±1.5 % noise per reading (point-shared with probability = point share)',
  'retained-configs: memory = base + c·n + r·S, S = services of the configurations replaced since the last (re)start, r such that r·S is 25–150 % of live memory before the restart; restart at 30–70 %; no redeploys; OOM: heap max puts the true crash at the first projected round (last batch size) ≥ 1.1–1.6 × the last services and beyond every earlier memory, rows fed up to 80 % of the crash',
  'concurrency-high-water: healthy deploys, then 6–10 load steps (8…512, ≥ 3 new highs, ≥ 2 repeats at or below the high); idle memory + u × the highest concurrency so far (5–15 % of memory at the top)',
  'load-leak: as concurrency-high-water, idle memory + l × every step\'s concurrency (5–15 % of memory over all steps)',
  'too-little-data: the first 2–3 rows of a healthy run (sd U(0.5,1.5) %)',
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
  readonly errors: readonly string[];
}

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
  for (let i = 0; i < seeds; i++) {
    const sim = simulateRun(scenario, String(i));
    counts[outcomeOf(sim.rows, sim.options, errors).outcome]++;
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
  readonly coveredPct: number;
  readonly within15Pct: number;
  readonly noPredictionPct: number;
  readonly noIntervalPct: number;
  readonly medianAbsRelativeError: number;
  /** Share of fed rows' verdicts that are leak (rows up to 80 % of the crash). */
  readonly leakOnFedRowsPct: number;
}

function runOom(seeds: number): OomResult {
  let covered = 0;
  let within = 0;
  let noPrediction = 0;
  let noInterval = 0;
  let leak = 0;
  const relErrors: number[] = [];
  const errors: string[] = [];
  for (let i = 0; i < seeds; i++) {
    const oom = simulateRun({ kind: 'retained-configs' }, String(i)).oom;
    if (oom === null) throw new Error('retained-configs gave no out-of-memory case');
    const { outcome, analysis } = outcomeOf(oom.rows, { heapMaxBytes: oom.heapMaxBytes }, errors);
    if (outcome === 'leak') leak++;
    const predicted = analysis?.predictedOomServices ?? null;
    const interval = analysis === null ? null : oomIntervalOf(analysis);
    if (interval === null) noInterval++;
    else if (interval[0] <= oom.crashServices && oom.crashServices <= interval[1]) covered++;
    if (predicted === null) {
      noPrediction++;
      relErrors.push(Infinity);
      continue;
    }
    const rel = Math.abs(predicted - oom.crashServices) / oom.crashServices;
    relErrors.push(rel);
    if (rel <= 0.15) within++;
  }
  relErrors.sort((a, b) => a - b);
  return {
    seeds,
    coveredPct: pct(covered, seeds),
    within15Pct: pct(within, seeds),
    noPredictionPct: pct(noPrediction, seeds),
    noIntervalPct: pct(noInterval, seeds),
    medianAbsRelativeError: relErrors[Math.floor(seeds / 2)] ?? NaN,
    leakOnFedRowsPct: pct(leak, seeds),
  };
}

function detectionRate(leakFraction: number, redeploys: number, seeds: number): number {
  let found = 0;
  const errors: string[] = [];
  for (let i = 0; i < seeds; i++) {
    const sim = simulateRun({ kind: 'per-deploy-leak', leakFraction, redeploys }, `power-${i}`);
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

const pctOfMemory = (fraction: number | null): string => (fraction === null ? 'n/a' : `${sig(fraction * 100, 2)} %`);

export function run(): Promise<BenchOutcome> {
  const t0 = performance.now();
  const results = GRID.map((scenario) => runClass(scenario, SEEDS));
  const oom = runOom(SEEDS);
  const power = POWER_REDEPLOYS.map((r) => smallestDetected(r, POWER_SEEDS));
  const seconds = (performance.now() - t0) / 1000;

  const find = (label: string): ClassResult => {
    const r = results.find((x) => x.label === label);
    if (r === undefined) throw new Error(`no class ${label}`);
    return r;
  };
  const checks: Check[] = [
    ...results.filter((r) => !leaks(r.scenario)).map((r) => check(`false leak: ${r.label}`, r.leakPct, '<=', 1, '%')),
    check('leak found: per-deploy leak 0.5 % × 10 redeploys (±1.5 %)', find(scenarioLabel({ kind: 'per-deploy-leak', leakFraction: 0.005, redeploys: 10 })).leakPct, '>=', 95, '%'),
    check('leak found: retained-configs with a restart', find('retained-configs').leakPct, '>=', 99, '%'),
    check('OOM: true crash inside predictedOomInterval', oom.coveredPct, '>=', 90, '%'),
    check('OOM: predictedOomServices within ±15 % of the true crash', oom.within15Pct, '>=', 90, '%'),
  ];
  const healthyLine = results
    .filter((r) => r.scenario.kind === 'healthy')
    .map((r) => `${r.label}: ${fmtPct(pct(r.counts.healthy, r.seeds))} %`)
    .join(', ');
  const powerLine = power
    .map((p) => `${p.redeploys} redeploys ${p.leakFraction === null ? `> ${pctOfMemory(p.belowFraction)}` : pctOfMemory(p.leakFraction)}`)
    .join(', ');
  const errorLines = results.filter((r) => r.errors.length > 0).map((r) => `analyzeRounds threw on ${r.label} (${r.counts.error} seeds): ${r.errors[0]}`);
  const info = [
    ...confusionTable(results),
    `healthy verdicts: ${healthyLine}`,
    `power: smallest per-deploy leak (% of memory) found as leak in ≥ ${POWER * 100} % of ${POWER_SEEDS} seeds per size (log bisection, ${POWER_STEPS} steps, ±1.5 % uniform noise): ${powerLine}`,
    `OOM (retained-configs, rows up to 80 % of the true crash, ${oom.seeds} seeds): interval covers the crash ${fmtPct(oom.coveredPct)} % (no interval ${fmtPct(oom.noIntervalPct)} %), point within ±15 % ${fmtPct(oom.within15Pct)} %, median |error| ${fmtPct(oom.medianAbsRelativeError * 100)} %, no prediction ${fmtPct(oom.noPredictionPct)} %, leak on the fed rows ${fmtPct(oom.leakOnFedRowsPct)} %`,
    `seeds: ${SEEDS} per class (${GRID.length} classes) + ${SEEDS} OOM + ${POWER_SEEDS} per size in the power search; ${sig(seconds)} s`,
    ...errorLines,
  ];
  return Promise.resolve({
    name: 'verdict',
    checks,
    info,
    data: {
      seedsPerClass: SEEDS,
      powerSeedsPerSize: POWER_SEEDS,
      seconds: sig(seconds),
      scenarios: SCENARIO_DEFINITIONS,
      classes: results.map((r) => ({
        label: r.label,
        scenario: r.scenario,
        seeds: r.seeds,
        percent: Object.fromEntries(OUTCOMES.map((o) => [o, sig(pct(r.counts[o], r.seeds), 4)])),
        expected: r.expected,
        expectedPercent: sig(r.expectedPct, 4),
        errors: r.errors,
      })),
      oom,
      power,
    },
  });
}

if (isMain(import.meta.url)) await runAlone(run);
