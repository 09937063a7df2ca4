/**
 * Seeded scenario generators for the verdict bench: simulated `gwscale run` measurement rows of a
 * gateway whose true memory behaviour is known, with the irregularity of field runs (uneven
 * batches, missing timings, a restart in the middle, K replicate readings per point whose noise is
 * split at random between the point and the reading). The bench feeds the rows to `analyzeRounds`
 * and counts how often the verdict matches the truth.
 *
 * Every number drawn for a seed is drawn in the same order whatever the class's size parameter
 * (leak per deploy), so a grid of leak sizes over the same seeds compares like with like.
 */
import type { AnalysisOptions } from '../../src/analysis/analysis.js';
import type { Round } from '../../src/run-log/round.js';
import type { VerdictKind } from '../../src/analysis/verdict.js';
import { seededRandom, type Random } from './random.js';

export const KIB = 1024;
export const MIB = 1024 * 1024;
/** Replicate readings per measurement point (`--readings 3`). */
export const READINGS_PER_POINT = 3;

/** A class of gateway behaviour; its fields are the class's size parameters. */
export type ScenarioClass =
  | { readonly kind: 'healthy'; readonly noiseSdFraction: number }
  | { readonly kind: 'gc-sawtooth' }
  | { readonly kind: 'first-reload-step' }
  | { readonly kind: 'outlier-before-restart' }
  | { readonly kind: 'slow-cache' }
  | { readonly kind: 'live-superlinear' }
  | { readonly kind: 'per-deploy-leak'; readonly leakFraction: number; readonly redeploys: number }
  | { readonly kind: 'retained-configs' }
  | { readonly kind: 'concurrency-high-water' }
  | { readonly kind: 'load-leak' }
  | { readonly kind: 'load-flat' }
  | { readonly kind: 'too-little-data' };

export type ScenarioKind = ScenarioClass['kind'];

/** The true gateway: memory after a forced GC as a function of what was done to it. */
export interface GatewayTruth {
  readonly baseBytes: number;
  readonly perServiceBytes: number;
  /** Live data growing faster than linear: + q·services². */
  readonly perServiceSquaredBytes: number;
  /** Bytes every deploy (round or redeploy) keeps until the next restart. */
  readonly leakPerDeployBytes: number;
  /** Bytes kept per service of every configuration replaced since the last (re)start. */
  readonly retainedPerSupersededServiceBytes: number;
  /** A cache filling towards this bound by `cacheFillFraction` of the remaining gap per deploy. */
  readonly cacheBoundBytes: number;
  readonly cacheFillFraction: number;
  /** A one-off step at the first reload of a process, as a fraction of live memory at that moment. */
  readonly firstReloadStepFraction: number;
  /** Idle bytes held per unit of the highest concurrency reached (a pool sized by the high-water mark). */
  readonly poolBytesPerConcurrency: number;
  /** Idle bytes kept per request served (a leak under load: it grows with the requests, repeats included). */
  readonly leakBytesPerRequest: number;
}

/** How readings scatter around the true memory. */
export interface NoiseSpec {
  /**
   * `normal`: sd `scaleFraction` of memory per reading · `uniform`: ±`scaleFraction` ·
   * `sawtooth`: + U(0, `scaleFraction`) (a reading not taken after GC holds garbage, never less).
   */
  readonly shape: 'normal' | 'uniform' | 'sawtooth';
  readonly scaleFraction: number;
  /**
   * Correlation of a point's replicate readings (drawn per seed, 0–1): the share of the noise that
   * varies from point to point (deploy to deploy) and that replicates cannot see. Normal: a shared
   * component of variance share × sd²; uniform and sawtooth: with probability `pointShare` all the
   * point's readings share one draw, else each draws its own — each reading keeps its stated law.
   */
  readonly pointShare: number;
}

/** The out-of-memory case of a run: a heap max whose true crash lies beyond the data. */
export interface OomCase {
  readonly heapMaxBytes: number;
  /** The deploy that fails: the round after the first (projecting rounds of the last batch size) whose deploy's need reaches the heap max. */
  readonly crashServices: number;
  /** 80 % of `crashServices`: the rows fed to the prediction reach no further. */
  readonly feedUpToServices: number;
  /** The most any deploy before the crash started from (memory before it + its registration growth), true bytes. */
  readonly highestFittingStartBytes: number;
  /** What the crashing deploy starts from, true bytes: × the peak factor it passes the heap max. */
  readonly crashStartBytes: number;
  readonly rows: readonly Round[];
}

export interface SimulatedRun {
  readonly scenario: ScenarioClass;
  readonly seed: string;
  readonly rows: readonly Round[];
  /** Noise-free memory of each row, bytes (index-aligned with `rows`). */
  readonly trueMemoryBytes: readonly number[];
  readonly truth: GatewayTruth;
  readonly noise: NoiseSpec;
  /** True deploy peak ÷ memory before the deploy (each deploy's measured peak jitters ±5 % around it). */
  readonly peakFactor: number;
  /** Heap registering one service adds before its round's deploy, on average (each round ±30 %). */
  readonly registrationBytesPerService: number;
  readonly options: AnalysisOptions;
  readonly oom: OomCase | null;
  /** The outlier class's high point: its row and the replicates read 6 % high. */
  readonly outlier: { readonly rowIndex: number; readonly replicates: readonly number[] } | null;
}

/** One line per class: what the generator does (printed into the results JSON). */
export const SCENARIO_DEFINITIONS: readonly string[] = [
  'all: fresh-start row at 0 services (deployMs null), 5–20 rounds of 0.5–1.5 × a nominal batch (log-uniform 20–400), base 30–300 MiB, live 20–400 KiB/service, K=3 readings per point (memoryBytes = their mean), replicate correlation (point share of the noise) U(0,1) per seed, registering a round adds 0–1.5 × the live cost per service (±30 % a round) to the heap before its deploy, heap peak = heap before the deploy × U(1.3,2.1) (±5 % per deploy), 15 % of rows without elapsedMs, 10 % without deployMs; noise normal with sd U(0.5,1.5) % per seed unless the class says otherwise; a restart follows round clamp(round(U(0.3,0.7) × rounds), 2, rounds − 1)',
  'healthy sd X: memory = base + c·n; normal noise of sd X per reading; restart in half the seeds; 6–10 redeploys',
  'gc-sawtooth: as healthy, afterGc false, each reading = live × (1 + U(0, 0.10)); restart in half the seeds; 6–10 redeploys',
  'first-reload-step: base + c·n, + 3–8 % of live memory at the first deploy that replaces a loaded configuration of a process, flat after; restart (which drops it until the next reload) in half the seeds; 6–10 redeploys',
  'outlier-before-restart: base + c·n with a restart; the point before the restart reads 6 % high in all replicates (half the seeds) or one; 6–10 redeploys',
  'slow-cache: + a cache filling 20 % of the remaining gap to B = 5–15 % of the final live memory per deploy; restart after ≤ 8 deploys (cache ≤ 83 % full); 6–10 redeploys',
  'live-superlinear: memory = base + c·n + q·n², q·n² = 30–60 % of memory at the last round; restart in half the seeds; flat redeploys (6–10)',
  'per-deploy leak L × R: every deploy (round or redeploy) keeps L × (base + c·N), the live memory at the final service count N; no restart; R redeploys; uniform ±1.5 % noise per reading (point-shared with probability = point share)',
  'retained-configs: memory = base + c·n + r·S, S = services of the configurations replaced since the last (re)start, r such that r·S is 25–150 % of live memory before the restart; restart at 30–70 %; no redeploys; OOM: heap max puts the need of a deploy, peak factor × (memory + the registration growth of a round), past it at the first projected round (last batch size) ≥ 1.1–1.6 × the last services and beyond the start of every earlier deploy; the true crash is the deploy of the round after (it starts from that memory); rows fed up to 80 % of the crash',
  'concurrency-high-water: healthy deploys, then 6–10 load steps (8…512, ≥ 3 new highs, ≥ 2 repeats at or below the high, ≥ 1 of them at the high); idle memory + u × the highest concurrency so far (5–15 % of memory at the top)',
  'load steps serve requests = min(clients, saturation) × a per-seed rate U(20, 60) × U(0.9, 1.1), saturation log-uniform 16–1024 clients (rows carry the count)',
  'load-leak: as concurrency-high-water, idle memory + l × every request served (5–15 % of memory over the drawn steps)',
  'load-flat: as concurrency-high-water, idle memory back to what it was before every step (traffic keeps nothing)',
  'too-little-data: the first 2–3 rows (fresh start + 1–2 rounds) of a healthy run',
];

/** Verdicts that are right for a class (the first is the one it is named after). */
export function expectedVerdicts(scenario: ScenarioClass): readonly VerdictKind[] {
  switch (scenario.kind) {
    case 'healthy':
    case 'gc-sawtooth':
    case 'outlier-before-restart':
      return ['healthy'];
    case 'first-reload-step':
    case 'live-superlinear':
      return ['healthy', 'bounded-retention'];
    case 'slow-cache':
      return ['bounded-retention', 'healthy'];
    case 'per-deploy-leak':
    case 'retained-configs':
    case 'load-leak':
      return ['leak'];
    case 'concurrency-high-water':
      return ['concurrency-retention'];
    case 'load-flat':
      return ['healthy'];
    case 'too-little-data':
      return ['inconclusive'];
  }
}

/** True when the gateway of this class really leaks (a `leak` verdict is right, anything else a miss). */
export function leaks(scenario: ScenarioClass): boolean {
  return expectedVerdicts(scenario).includes('leak');
}

/** Short label, e.g. `healthy sd 1%`, `per-deploy leak 0.5% × 10 redeploys`. */
export function scenarioLabel(scenario: ScenarioClass): string {
  const pct = (x: number): string => `${Number((x * 100).toPrecision(3))}%`;
  switch (scenario.kind) {
    case 'healthy':
      return `healthy sd ${pct(scenario.noiseSdFraction)}`;
    case 'per-deploy-leak':
      return `per-deploy leak ${pct(scenario.leakFraction)} × ${scenario.redeploys}`;
    default:
      return scenario.kind;
  }
}

/**
 * The name seeds are drawn under: the class without its leak size, so every leak size of one
 * redeploy count runs on the same seeds (common random numbers).
 */
export function seedStream(scenario: ScenarioClass): string {
  switch (scenario.kind) {
    case 'healthy':
      return `healthy/${scenario.noiseSdFraction}`;
    case 'per-deploy-leak':
      return `per-deploy-leak/${scenario.redeploys}`;
    default:
      return scenario.kind;
  }
}

type PlanStep =
  | { readonly event: 'fresh-start' }
  | { readonly event: 'round'; readonly services: number }
  | { readonly event: 'restart' }
  | { readonly event: 'redeploy' }
  | { readonly event: 'load'; readonly concurrency: number; readonly requests: number };

/** The true gateway's state as the plan is played on it. */
class TrueGateway {
  private active = 0;
  private loaded = false;
  private superseded = 0;
  private leaked = 0;
  private cache = 0;
  private stepBytes = 0;
  private highestConcurrency = 0;
  private loadLeaked = 0;

  constructor(private readonly truth: GatewayTruth) {}

  get services(): number {
    return this.active;
  }

  live(services: number): number {
    const t = this.truth;
    return t.baseBytes + t.perServiceBytes * services + t.perServiceSquaredBytes * services * services;
  }

  /** A round (new services) or a redeploy (same services): the new configuration replaces the active one. */
  deploy(services: number): void {
    const t = this.truth;
    if (this.loaded) {
      this.superseded += this.active;
      // The first reload of a process: a one-off step (e.g. Go/JVM RSS after the first reload).
      if (this.stepBytes === 0) this.stepBytes = t.firstReloadStepFraction * this.live(services);
    }
    this.leaked += t.leakPerDeployBytes;
    this.cache += t.cacheFillFraction * (t.cacheBoundBytes - this.cache);
    this.active = services;
    this.loaded = true;
  }

  /** Same services, new process: everything a deploy kept is gone; the configuration is loaded. */
  restart(): void {
    this.superseded = 0;
    this.leaked = 0;
    this.cache = 0;
    this.stepBytes = 0;
    this.highestConcurrency = 0;
    this.loadLeaked = 0;
    this.loaded = true;
  }

  load(concurrency: number, requests: number): void {
    this.highestConcurrency = Math.max(this.highestConcurrency, concurrency);
    this.loadLeaked += this.truth.leakBytesPerRequest * requests;
  }

  memory(): number {
    const t = this.truth;
    return (
      this.live(this.active) +
      this.leaked +
      t.retainedPerSupersededServiceBytes * this.superseded +
      this.cache +
      this.stepBytes +
      t.poolBytesPerConcurrency * this.highestConcurrency +
      this.loadLeaked
    );
  }
}

/** Draws one point's K readings around `trueBytes`. Always draws the same count of numbers. */
export function readingsOf(trueBytes: number, noise: NoiseSpec, random: Random): number[] {
  const k = READINGS_PER_POINT;
  const { shape, scaleFraction: a, pointShare: s } = noise;
  let offsets: number[];
  if (shape === 'normal') {
    const point = a * Math.sqrt(s) * random.normal();
    offsets = Array.from({ length: k }, () => point + a * Math.sqrt(1 - s) * random.normal());
  } else {
    const draw = (): number => (shape === 'uniform' ? random.uniform(-a, a) : random.uniform(0, a));
    const shared = random.chance(s);
    const point = draw();
    offsets = Array.from({ length: k }, () => {
      const own = draw();
      return shared ? point : own;
    });
  }
  return offsets.map((e) => Math.round(trueBytes * (1 + e)));
}

/**
 * Concurrencies of 6–10 traffic steps: at least 3 new highs and 2 steps at or below the highest so
 * far, one of them at the highest itself (where a pool stays flat and a load leak still rises).
 */
function concurrencySequence(random: Random): number[] {
  const levels = [8, 16, 32, 64, 128, 256, 512];
  for (;;) {
    const steps = random.int(6, 10);
    const out: number[] = [];
    let top = -1;
    let newHighs = 0;
    let repeats = 0;
    let topRepeats = 0;
    for (let i = 0; i < steps; i++) {
      if (top < levels.length - 1 && (top < 0 || random.chance(0.55))) {
        top++;
        newHighs++;
        out.push(levels[top] as number);
      } else {
        const atTop = random.chance(0.5);
        const level = atTop ? top : random.int(0, top);
        repeats++;
        if (level === top) topRepeats++;
        out.push(levels[level] as number);
      }
    }
    if (newHighs >= 3 && repeats >= 2 && topRepeats >= 1) return out;
  }
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Fixes what is otherwise drawn per seed (every other draw stays as it was). */
export interface SimulationOverrides {
  /** E.g. 1: all noise varies from point to point and the replicates agree (the hardest case for a replicate-based test). */
  readonly pointShare?: number;
  /**
   * Traffic steps appended at the highest concurrency of the drawn ones (what `--load-repeats`
   * adds); the gateway's truth is drawn from the drawn steps alone, so a leak keeps its rate.
   */
  readonly topRepeats?: number;
}

/**
 * Simulates one run of a scenario class under a seed name. Pure: the same class and seed give the
 * same rows.
 */
export function simulateRun(scenario: ScenarioClass, seed: string, overrides: SimulationOverrides = {}): SimulatedRun {
  const random = seededRandom(`${seedStream(scenario)}#${seed}`);
  // Drawn for every class, in this order, so that the classes' seeds line up.
  const baseBytes = random.uniform(30, 300) * MIB;
  const perServiceBytes = random.uniform(20, 400) * KIB;
  const rounds = random.int(5, 20);
  const nominalBatch = Math.round(Math.exp(random.uniform(Math.log(20), Math.log(400))));
  const batches = Array.from({ length: rounds }, () => Math.max(1, Math.round(nominalBatch * random.uniform(0.5, 1.5))));
  const drawnPointShare = random.next();
  const pointShare = overrides.pointShare ?? drawnPointShare;
  const peakFactor = random.uniform(1.3, 2.1);
  const registerMsPerService = random.uniform(1, 10);
  const deployMsAt100 = random.uniform(200, 2000);
  const deployExponent = random.uniform(1, 1.8);
  const rssFactor = random.uniform(1.3, 1.8);
  const restartPosition = random.uniform(0.3, 0.7);
  const restartCoin = random.chance(0.5);
  const otherRedeploys = random.int(6, 10);
  const otherNoiseSd = random.uniform(0.005, 0.015);
  const sizeDraw = random.uniform(0, 1);
  const outlierAllReplicates = random.chance(0.5);
  const outlierReplicate = random.int(0, READINGS_PER_POINT - 1);
  const tooLittleRows = random.int(2, 3);

  const services: number[] = [];
  batches.reduce((total, b) => (services.push(total + b), total + b), 0);
  const finalServices = services[rounds - 1] as number;
  const liveAtEnd = baseBytes + perServiceBytes * finalServices;

  const kind = scenario.kind;
  const hasRestart =
    ['outlier-before-restart', 'slow-cache', 'retained-configs'].includes(kind) || (restartCoin && !['per-deploy-leak', 'too-little-data'].includes(kind));
  // The restart follows round k (1-based) at 30–70 % of the rounds; a slow cache is restarted at most
  // 8 deploys in, before it is 85 % full.
  let restartAfter = Math.min(rounds - 1, Math.max(2, Math.round(restartPosition * rounds)));
  if (kind === 'slow-cache') restartAfter = Math.min(restartAfter, 8);
  const redeploys = kind === 'per-deploy-leak' ? scenario.redeploys : kind === 'retained-configs' ? 0 : otherRedeploys;
  const loadSteps = ['concurrency-high-water', 'load-leak', 'load-flat'].includes(kind) ? concurrencySequence(random) : [];
  // Requests each traffic step serves, from a stream of their own (so the other draws stay aligned):
  // clients × a per-seed rate, capped where the gateway saturates (16–1024 clients, log-uniform), ±10 %.
  const traffic = seededRandom(`${seedStream(scenario)}#${seed}#traffic`);
  const perClient = traffic.uniform(20, 60);
  const saturatesAt = Math.exp(traffic.uniform(Math.log(16), Math.log(1024)));
  const jitter = Array.from({ length: loadSteps.length + (overrides.topRepeats ?? 0) }, () => traffic.uniform(0.9, 1.1));
  const requestsOf = (concurrency: number, step: number): number => Math.round(Math.min(concurrency, saturatesAt) * perClient * (jitter[step] as number));
  // What registering a round's services adds to the heap before its deploy starts, from a stream of
  // its own: 0–1.5 × the live cost of a service (the reference gateway's is ≈ 1.3 ×), ±30 % a round.
  const registration = seededRandom(`${seedStream(scenario)}#${seed}#registration`);
  const registrationBytesPerService = registration.uniform(0, 1.5) * perServiceBytes;
  const registrationJitter = Array.from({ length: rounds }, () => registration.uniform(0.7, 1.3));

  let truth: GatewayTruth = {
    baseBytes,
    perServiceBytes,
    perServiceSquaredBytes: 0,
    leakPerDeployBytes: 0,
    retainedPerSupersededServiceBytes: 0,
    cacheBoundBytes: 0,
    cacheFillFraction: 0,
    firstReloadStepFraction: 0,
    poolBytesPerConcurrency: 0,
    leakBytesPerRequest: 0,
  };
  switch (scenario.kind) {
    case 'first-reload-step':
      truth = { ...truth, firstReloadStepFraction: 0.03 + 0.05 * sizeDraw };
      break;
    case 'slow-cache':
      truth = { ...truth, cacheBoundBytes: (0.05 + 0.1 * sizeDraw) * liveAtEnd, cacheFillFraction: 0.2 };
      break;
    case 'live-superlinear': {
      // q·N² is 30–60 % of memory at the last round: q·N² = f·(base + c·N) / (1 − f).
      const f = 0.3 + 0.3 * sizeDraw;
      truth = { ...truth, perServiceSquaredBytes: (f * liveAtEnd) / (1 - f) / finalServices ** 2 };
      break;
    }
    case 'per-deploy-leak':
      truth = { ...truth, leakPerDeployBytes: scenario.leakFraction * liveAtEnd };
      break;
    case 'retained-configs': {
      // Retained configurations just before the restart are 25–150 % of the live memory there.
      const superseded = sum(services.slice(0, restartAfter - 1));
      const live = baseBytes + perServiceBytes * (services[restartAfter - 1] as number);
      truth = { ...truth, retainedPerSupersededServiceBytes: ((0.25 + 1.25 * sizeDraw) * live) / superseded };
      break;
    }
    case 'concurrency-high-water':
      // The pool at the highest concurrency is 5–15 % of memory.
      truth = { ...truth, poolBytesPerConcurrency: ((0.05 + 0.1 * sizeDraw) * liveAtEnd) / Math.max(...loadSteps) };
      break;
    case 'load-leak':
      // All traffic steps together keep 5–15 % of memory.
      truth = { ...truth, leakBytesPerRequest: ((0.05 + 0.1 * sizeDraw) * liveAtEnd) / sum(loadSteps.map((c, i) => requestsOf(c, i))) };
      break;
    default:
      break;
  }

  const noise: NoiseSpec =
    scenario.kind === 'healthy'
      ? { shape: 'normal', scaleFraction: scenario.noiseSdFraction, pointShare }
      : scenario.kind === 'gc-sawtooth'
        ? { shape: 'sawtooth', scaleFraction: 0.1, pointShare }
        : scenario.kind === 'per-deploy-leak'
          ? { shape: 'uniform', scaleFraction: 0.015, pointShare }
          : { shape: 'normal', scaleFraction: otherNoiseSd, pointShare };

  const plan: PlanStep[] = [{ event: 'fresh-start' }];
  services.forEach((n, i) => {
    plan.push({ event: 'round', services: n });
    if (hasRestart && i + 1 === restartAfter) plan.push({ event: 'restart' });
  });
  for (let i = 0; i < redeploys; i++) plan.push({ event: 'redeploy' });
  const repeated = loadSteps.length === 0 ? [] : Array.from({ length: overrides.topRepeats ?? 0 }, () => Math.max(...loadSteps));
  [...loadSteps, ...repeated].forEach((c, i) => plan.push({ event: 'load', concurrency: c, requests: requestsOf(c, i) }));

  const gateway = new TrueGateway(truth);
  const afterGc = scenario.kind !== 'gc-sawtooth';
  const memorySource = afterGc ? 'v8-heap-after-gc' : 'v8-heap';
  const rows: Round[] = [];
  const trueMemoryBytes: number[] = [];
  let outlier: SimulatedRun['outlier'] = null;
  let previousServices = 0;
  // The most any deploy of the run started from (memory before it + its registration growth).
  let highestNeedBytes = 0;
  // Rounds that added services so far: each draws its own registration jitter.
  let roundsAdded = 0;
  plan.forEach((step, stepIndex) => {
    const before = gateway.memory();
    let services = gateway.services;
    let deployed = false;
    if (step.event === 'round') {
      gateway.deploy(step.services);
      services = step.services;
      deployed = true;
    } else if (step.event === 'redeploy') {
      gateway.deploy(services);
      deployed = true;
    } else if (step.event === 'restart') {
      gateway.restart();
    } else if (step.event === 'load') {
      gateway.load(step.concurrency, step.requests);
    }
    const trueBytes = gateway.memory();
    let readings = readingsOf(trueBytes, noise, random);
    // Timings and side readings are drawn for every row, used or not, to keep the stream aligned.
    const preDeploy = readingsOf(before, noise, random)[0] as number;
    const peakJitter = random.uniform(0.95, 1.05);
    const timingNoise = [random.normal(), random.normal()];
    const settleMs = random.uniform(500, 1500);
    const elapsedMissing = random.chance(0.15);
    const deployMissing = random.chance(0.1);
    const rssNoise = random.normal();
    const rssMissing = random.chance(0.05);
    const otherMs = random.uniform(2000, 60_000);

    const newServices = step.event === 'round' ? step.services - previousServices : 0;
    const registered = newServices * registrationBytesPerService * (registrationJitter[roundsAdded] ?? 1);
    const next = plan[stepIndex + 1];
    if (scenario.kind === 'outlier-before-restart' && next?.event === 'restart') {
      const replicates = readings.map((_, i) => i).filter((i) => outlierAllReplicates || i === outlierReplicate);
      readings = readings.map((r, i) => (replicates.includes(i) ? Math.round(r * 1.06) : r));
      outlier = { rowIndex: rows.length, replicates };
    }
    const registerMs =
      step.event === 'round'
        ? Math.max(1, Math.round(newServices * registerMsPerService * (1 + 0.1 * (timingNoise[0] as number))))
        : step.event === 'redeploy'
          ? 0
          : null;
    const deployMs = deployed ? Math.max(1, Math.round(deployMsAt100 * (services / 100) ** deployExponent * (1 + 0.1 * (timingNoise[1] as number)))) : null;
    const elapsedMs = deployed ? (registerMs ?? 0) + (deployMs ?? 0) + Math.round(settleMs) : Math.round(step.event === 'fresh-start' ? settleMs : otherMs);
    const event = step.event === 'fresh-start' ? 'round' : step.event;
    rows.push({
      index: rows.length,
      event,
      services,
      memoryBytes: Math.round(sum(readings) / readings.length),
      readingsBytes: readings,
      memorySource,
      afterGc,
      rssBytes: rssMissing ? null : Math.round(trueBytes * rssFactor * (1 + 0.02 * rssNoise)),
      peakBytes: deployed ? Math.round((preDeploy + registered) * peakFactor * peakJitter) : null,
      ...(deployed ? { peakSource: 'heap' as const } : {}),
      preDeployBytes: deployed ? Math.round(preDeploy + registered) : null,
      registerMs,
      deployMs: deployed && !deployMissing ? deployMs : null,
      elapsedMs: elapsedMissing && step.event !== 'fresh-start' ? null : elapsedMs,
      concurrency: step.event === 'load' ? step.concurrency : null,
      ...(step.event === 'load' ? { requests: step.requests } : {}),
    });
    trueMemoryBytes.push(trueBytes);
    if (deployed) highestNeedBytes = Math.max(highestNeedBytes, before + registered);
    if (newServices > 0) roundsAdded++;
    previousServices = services;
  });

  const oomDraws = [random.uniform(1.1, 1.6), random.uniform(0.05, 1)] as const;
  const oom =
    scenario.kind === 'retained-configs'
      ? oomCaseOf(gateway, rows, highestNeedBytes, batches[rounds - 1] as number, peakFactor, registrationBytesPerService, oomDraws)
      : null;
  const n = scenario.kind === 'too-little-data' ? tooLittleRows : rows.length;
  return {
    scenario,
    seed,
    rows: rows.slice(0, n),
    trueMemoryBytes: trueMemoryBytes.slice(0, n),
    truth,
    noise,
    peakFactor,
    registrationBytesPerService,
    options: oom === null ? {} : { heapMaxBytes: oom.heapMaxBytes },
    oom,
    outlier,
  };
}

/**
 * Chooses a heap max whose true crash lies 10–60 % beyond the last row: keeps deploying rounds of
 * the last batch size on the true gateway until the next deploy's start (memory + a round's
 * registration growth) passes every deploy's start before it, at or after the target count, and
 * puts the heap max at peak factor × a random place in that last rise.
 */
function oomCaseOf(
  gateway: TrueGateway,
  rows: readonly Round[],
  highestNeedInRun: number,
  lastBatch: number,
  peakFactor: number,
  registrationBytesPerService: number,
  [targetFactor, place]: readonly [number, number],
): OomCase {
  const registered = registrationBytesPerService * lastBatch;
  const lastServices = gateway.services;
  const target = lastServices * targetFactor;
  // The first projected deploy starts from the last row's memory.
  let highest = Math.max(highestNeedInRun, gateway.memory() + registered);
  let services = lastServices;
  for (let i = 0; i < 100_000; i++) {
    services += lastBatch;
    gateway.deploy(services);
    const need = gateway.memory() + registered;
    if (services >= target && need > highest) {
      const heapMaxBytes = Math.floor(peakFactor * (highest + place * (need - highest)));
      // The deploy that starts from this memory (plus its registration) needs peakFactor × as much: the next round crashes.
      const crashServices = services + lastBatch;
      const feedUpToServices = 0.8 * crashServices;
      const cut = rows.findIndex((r) => r.services > feedUpToServices);
      return {
        heapMaxBytes,
        crashServices,
        feedUpToServices,
        highestFittingStartBytes: highest,
        crashStartBytes: need,
        rows: cut < 0 ? rows : rows.slice(0, cut),
      };
    }
    highest = Math.max(highest, need);
  }
  throw new Error('retained-configs: memory never grew past its earlier high');
}
