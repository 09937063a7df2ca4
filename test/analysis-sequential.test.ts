/**
 * The sequential redeploy test (`--redeploys auto`): it stops at leak for a leaking gateway and at
 * healthy for a flat one, never before its first look, and it keeps going while the evidence is thin.
 */
import { describe, expect, it } from 'vitest';
import { sequentialRedeployDecision } from '../src/analysis/sequential.js';
import { SEQUENTIAL_FIRST_LOOK } from '../src/analysis/constants.js';
import { HEALTHY, MiB, rowsOf, simulate, type Gateway } from './analysis-synthetic.js';

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
