/** Seeded synthetic measurement series for the analysis tests: every class of gateway behaviour, with noise. */
import type { Round, RoundEvent } from '../src/run-log/round.js';
import { seededRandom } from '../src/analysis/random.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** mulberry32 (the analysis's own seeded source): deterministic across runs and machines. */
export function rng(seed: number): () => number {
  const source = seededRandom(seed);
  return () => source.uniform();
}

/** Standard normal deviate (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Noise {
  /** Memory read after a forced GC (normal noise of `sdFraction`), or RSS with a ±`sawtooth` uniform sawtooth. */
  readonly afterGc: boolean;
  readonly sdFraction?: number;
  readonly sawtooth?: number;
}

export interface Step {
  readonly event: RoundEvent;
  readonly services: number;
  /** True memory (bytes) at this step, before noise. */
  readonly trueBytes: number;
  readonly concurrency?: number;
}

/** Turns true memory values into noisy rows. */
export function rowsOf(steps: readonly Step[], noise: Noise, seed: number): Round[] {
  const random = rng(seed);
  return steps.map((s, index) => {
    const factor = noise.afterGc ? 1 + (noise.sdFraction ?? 0.005) * gaussian(random) : 1 + (noise.sawtooth ?? 0.1) * (2 * random() - 1);
    return {
      index,
      event: s.event,
      services: s.services,
      memoryBytes: Math.round(s.trueBytes * factor),
      memorySource: noise.afterGc ? 'v8-heap-after-gc' : 'rss',
      afterGc: noise.afterGc,
      rssBytes: null,
      peakBytes: null,
      preDeployBytes: null,
      registerMs: null,
      deployMs: s.event === 'round' && s.services > 0 ? Math.round(20 * s.services) : null,
      elapsedMs: null,
      concurrency: s.concurrency ?? null,
    };
  });
}

export interface Gateway {
  readonly baseBytes: number;
  readonly perServiceBytes: number;
  /** Bytes kept per service of every replaced configuration (retain-configs leak). */
  readonly retainedPerSupersededServiceBytes?: number;
  /** Bytes leaked by every deploy whatever its size. */
  readonly leakPerDeployBytes?: number;
  /** Bounded cache: fills towards `cacheBytes`, halving the gap each deploy. */
  readonly cacheBytes?: number;
  /** A one-off step at the first deploy (Go/JVM RSS after the first reload). */
  readonly firstDeployStepBytes?: number;
  /** Extra bytes per service² (live data that grows faster than linear). */
  readonly perServiceSquaredBytes?: number;
}

export interface Plan {
  readonly services: number;
  readonly batch: number;
  /** Service counts after whose round the gateway restarts. */
  readonly restartAt?: readonly number[];
  readonly redeploys?: number;
  /** Include the 0-services row of a fresh gateway (as `gwscale run` does). */
  readonly zeroRow?: boolean;
}

/** Simulates a run: rounds, restarts and redeploys, returning the true memory of each row. */
export function simulate(gw: Gateway, plan: Plan): Step[] {
  const steps: Step[] = [];
  let active = 0;
  let retained = 0;
  let deploys = 0;
  let cache = 0;
  const live = (s: number): number => gw.baseBytes + gw.perServiceBytes * s + (gw.perServiceSquaredBytes ?? 0) * s * s;
  const deploy = (s: number): void => {
    retained += (gw.retainedPerSupersededServiceBytes ?? 0) * active + (gw.leakPerDeployBytes ?? 0);
    cache += ((gw.cacheBytes ?? 0) - cache) / 2;
    deploys++;
    active = s;
  };
  const memory = (s: number): number => live(s) + retained + cache + (deploys > 0 ? (gw.firstDeployStepBytes ?? 0) : 0);
  if (plan.zeroRow ?? true) steps.push({ event: 'round', services: 0, trueBytes: memory(0) });
  for (let s = plan.batch; s <= plan.services; s += plan.batch) {
    deploy(s);
    steps.push({ event: 'round', services: s, trueBytes: memory(s) });
    if (plan.restartAt?.includes(s)) {
      retained = 0;
      cache = 0;
      deploys = 0;
      steps.push({ event: 'restart', services: s, trueBytes: memory(s) });
    }
  }
  for (let r = 0; r < (plan.redeploys ?? 0); r++) {
    deploy(active);
    steps.push({ event: 'redeploy', services: active, trueBytes: memory(active) });
  }
  return steps;
}

/** A gateway with a realistic live cost: 20 MiB base, 60 KiB per service. */
export const HEALTHY: Gateway = { baseBytes: 20 * MiB, perServiceBytes: 60 * KiB };

export type LoadBehaviour = 'pool' | 'leak' | 'healthy';

/**
 * Appends idle readings after traffic steps at the given concurrencies: `pool` keeps `bytesPerUnit`
 * per unit of the highest concurrency ever reached, `leak` adds `bytesPerUnit` × concurrency at every
 * step, `healthy` returns to the baseline.
 */
export function withLoad(steps: readonly Step[], concurrencies: readonly number[], behaviour: LoadBehaviour, bytesPerUnit: number): Step[] {
  const last = steps[steps.length - 1] as Step;
  let runningMax = 0;
  let leaked = 0;
  const out = [...steps];
  for (const c of concurrencies) {
    runningMax = Math.max(runningMax, c);
    leaked += bytesPerUnit * c;
    const extra = behaviour === 'pool' ? bytesPerUnit * runningMax : behaviour === 'leak' ? leaked : 0;
    out.push({ event: 'load', services: last.services, trueBytes: last.trueBytes + extra, concurrency: c });
  }
  return out;
}
