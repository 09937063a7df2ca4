/**
 * The sequential redeploy test (`--redeploys auto`): it stops at leak for a leaking gateway and at
 * healthy for a flat one, never before its first look, and it keeps going while the evidence is thin.
 * The sequential traffic test (`--load-repeats auto`) likewise, over repeats of the highest concurrency.
 */
import { describe, expect, it } from 'vitest';
import { analyzeRounds } from '../src/analysis/analysis.js';
import { sequentialLoadDecision, sequentialRedeployDecision, type LoadSequentialDecision } from '../src/analysis/sequential.js';
import { ALPHA_CONCURRENCY, PRIOR_DOF, SEQUENTIAL_FIRST_LOOK, SEQUENTIAL_MAX_LOAD_REPEATS } from '../src/analysis/constants.js';
import { tQuantile } from '../src/analysis/distributions.js';
import { HEALTHY, KiB, MiB, rowsOf, simulate, withLoad, type Gateway, type LoadBehaviour } from './analysis-synthetic.js';

/** Redeploys one at a time until the test decides; returns the state and how many it took. */
function runUntilDecided(gateway: Gateway, seed: number, max = 30): { state: string; redeploys: number } {
  for (let r = 1; r <= max; r++) {
    const rows = rowsOf(simulate(gateway, { services: 800, batch: 100, redeploys: r }), { afterGc: true, sdFraction: 0.005 }, seed);
    const d = sequentialRedeployDecision(rows, { maxRedeploys: max });
    expect(d.redeploys).toBe(r);
    if (d.state !== 'continue') return { state: d.state, redeploys: r };
  }
  return { state: 'continue', redeploys: max };
}

describe('sequential redeploys', () => {
  it('does not decide before its first look', () => {
    const rows = rowsOf(
      simulate({ ...HEALTHY, leakPerDeployBytes: 5 * MiB }, { services: 800, batch: 100, redeploys: SEQUENTIAL_FIRST_LOOK - 1 }),
      { afterGc: true },
      1,
    );
    expect(sequentialRedeployDecision(rows).state).toBe('continue');
  });

  it('stops at leak for a gateway that keeps 1 MiB per deploy, and at healthy for a flat one', () => {
    const leaks = [1, 2, 3, 4, 5].map((seed) => runUntilDecided({ ...HEALTHY, leakPerDeployBytes: 1 * MiB }, seed));
    expect(leaks.every((x) => x.state === 'leak')).toBe(true);
    const flat = [1, 2, 3, 4, 5].map((seed) => runUntilDecided(HEALTHY, seed));
    expect(flat.every((x) => x.state === 'healthy')).toBe(true);
    // It stops as soon as the evidence settles it, well before the maximum.
    expect(Math.max(...leaks.map((x) => x.redeploys), ...flat.map((x) => x.redeploys))).toBeLessThan(30);
  });

  it('finds a smaller leak (0.4 MiB per deploy) too, after its first look', () => {
    const gateway = { ...HEALTHY, leakPerDeployBytes: 0.4 * MiB };
    const sequential = runUntilDecided(gateway, 7);
    expect(sequential.state).toBe('leak');
    expect(sequential.redeploys).toBeGreaterThanOrEqual(SEQUENTIAL_FIRST_LOOK);
  });
});

describe('sequential traffic repeats (--load-repeats auto)', () => {
  const base = simulate(HEALTHY, { services: 500, batch: 100 });
  const GC = { afterGc: true, sdFraction: 0.005 } as const;
  const planned = [10, 20, 40, 80, 40];

  /** Repeats the highest planned concurrency one step at a time until the test decides. */
  function repeatUntilDecided(behaviour: LoadBehaviour, bytesPerUnit: number, seed: number, max = SEQUENTIAL_MAX_LOAD_REPEATS): LoadSequentialDecision {
    for (let r = 0; ; r++) {
      const steps = withLoad(base, [...planned, ...Array<number>(r).fill(80)], behaviour, bytesPerUnit);
      const d = sequentialLoadDecision(rowsOf(steps, GC, seed), r, max);
      expect(d.repeats).toBe(r);
      if (d.state !== 'continue' || r >= max) return d;
    }
  }

  it('keeps going while the planned steps cannot tell a leak from a pool, then stops at leak', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rows = rowsOf(withLoad(base, planned, 'leak', 24 * KiB), GC, seed);
      expect(sequentialLoadDecision(rows, 0).state).toBe('continue');
      const d = repeatUntilDecided('leak', 24 * KiB, seed);
      expect(d.state).toBe('leak');
      expect(d.repeats).toBeGreaterThan(0);
      expect(d.repeats).toBeLessThan(SEQUENTIAL_MAX_LOAD_REPEATS);
    }
  });

  it('stops at concurrency-retention for a pool and at healthy when traffic keeps nothing', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      expect(repeatUntilDecided('pool', 48 * KiB, seed).state).toBe('concurrency-retention');
      expect(repeatUntilDecided('healthy', 0, seed).state).toBe('healthy');
    }
  });

  it('splits its levels over the looks it may take: one look decides what eleven do not yet', () => {
    // A leak just large enough for a fixed design at these steps: the sequential test wants more.
    const rows = rowsOf(withLoad(base, [10, 20, 40, 80, 40, 80], 'leak', 16 * KiB), GC, 2);
    const fixed = analyzeRounds(rows).verdict.reasons.find((r) => r.rule === 'concurrency');
    expect(fixed?.answer).toBe('leak');
    // Its t clears the one-look level but not the level split over MAX + 1 looks.
    const t = fixed?.numbers['leakT'] ?? NaN;
    const dof = PRIOR_DOF + rows.filter((r) => r.event === 'load').length + 1 - 3;
    expect(t).toBeGreaterThan(tQuantile(1 - ALPHA_CONCURRENCY, dof));
    expect(t).toBeLessThan(tQuantile(1 - ALPHA_CONCURRENCY / (SEQUENTIAL_MAX_LOAD_REPEATS + 1), dof));
    expect(sequentialLoadDecision(rows, 1).state).toBe('continue');
  });
});
