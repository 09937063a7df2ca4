/**
 * The rule chain on seeded synthetic series of every class. Healthy series — after GC, with a
 * ±10 % sawtooth, with a one-off step — must never be called leaks over 500 seeds; leaks of
 * moderate size must be caught in (nearly) every seed.
 */
import { describe, expect, it } from 'vitest';
import { analyzeRounds, type Analysis } from '../src/analysis/analysis.js';
import type { RuleName } from '../src/analysis/rules/rule.js';
import { HEALTHY, KiB, MiB, rowsOf, simulate, withLoad, type Noise, type Step } from './analysis-synthetic.js';

const SEEDS = 500;
const GC: Noise = { afterGc: true, sdFraction: 0.005 };
const SAWTOOTH: Noise = { afterGc: false, sawtooth: 0.1 };

function verdicts(steps: readonly Step[], noise: Noise, seeds = SEEDS): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let seed = 1; seed <= seeds; seed++) {
    const kind = analyzeRounds(rowsOf(steps, noise, seed)).verdict.kind;
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

function one(steps: readonly Step[], noise: Noise, seed = 1): Analysis {
  return analyzeRounds(rowsOf(steps, noise, seed));
}

function answer(a: Analysis, rule: RuleName): string {
  return a.verdict.reasons.find((r) => r.rule === rule)?.answer ?? 'missing';
}

const full = { services: 1000, batch: 100, restartAt: [500], redeploys: 6 };

describe('healthy series are not called leaks (500 seeds each)', () => {
  const cases: [string, Step[], Noise][] = [
    ['linear rounds, after GC', simulate(HEALTHY, { services: 1000, batch: 100 }), GC],
    ['rounds, restart and redeploys, after GC', simulate(HEALTHY, full), GC],
    ['after GC but 4× noisier than assumed (2 %)', simulate(HEALTHY, { services: 1000, batch: 100, redeploys: 6 }), { afterGc: true, sdFraction: 0.02 }],
    ['RSS with a ±10 % GC sawtooth', simulate(HEALTHY, full), SAWTOOTH],
    ['RSS with a sawtooth, rounds only', simulate(HEALTHY, { services: 1000, batch: 100 }), SAWTOOTH],
    ['RSS stepping up at the first reload, then level (Go/JVM)', simulate({ ...HEALTHY, firstDeployStepBytes: 15 * MiB }, full), SAWTOOTH],
    ['live data growing faster than linear, restart shows it is live', simulate({ ...HEALTHY, perServiceSquaredBytes: 60 }, { services: 1000, batch: 100, restartAt: [500] }), GC],
    ['4 after-GC rounds', simulate(HEALTHY, { services: 400, batch: 100, zeroRow: false }), GC],
  ];
  it.each(cases)('%s', (_name, steps, noise) => {
    const counts = verdicts(steps, noise);
    expect(counts.leak ?? 0).toBe(0);
    expect(counts['concurrency-retention'] ?? 0).toBe(0);
  });

  it('calls a clean after-GC run healthy and says which rules could have seen a leak', () => {
    const counts = verdicts(simulate(HEALTHY, full), GC);
    expect(counts.healthy).toBe(SEEDS);
    const a = one(simulate(HEALTHY, full), GC);
    expect(a.verdict.kind).toBe('healthy');
    expect(a.verdict.leak).toBe(false);
    expect(answer(a, 'restart-drop')).toBe('not-leak');
    expect(answer(a, 'constant-services-trend')).toBe('not-leak');
    expect(answer(a, 'shape')).toBe('not-leak');
  });
});

describe('leaks are caught (power over 500 seeds)', () => {
  it('quadratic growth from kept configurations (retain-configs), rounds only, after GC: shape rule', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 9 * KiB }, { services: 1000, batch: 100 });
    expect(verdicts(steps, GC).leak).toBe(SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.decidedBy).toBe('shape');
    expect(a.verdict.reasons.find((r) => r.rule === 'shape')?.numbers.retainedPerSupersededServiceBytes).toBeGreaterThan(7 * KiB);
  });

  it('the same leak from only 4 after-GC rounds of equal size', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 30 * KiB }, { services: 400, batch: 100, zeroRow: false });
    expect(verdicts(steps, GC).leak).toBe(SEEDS);
  });

  it('the same leak under a ±10 % sawtooth when it is large', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 30 * KiB }, { services: 1000, batch: 100 });
    expect(verdicts(steps, SAWTOOTH).leak).toBeGreaterThanOrEqual(SEEDS * 0.95);
  });

  it('a restart that releases kept configurations: restart-drop rule', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 9 * KiB }, { services: 1000, batch: 100, restartAt: [500], redeploys: 4 });
    expect(verdicts(steps, GC).leak).toBe(SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.decidedBy).toBe('restart-drop');
    expect(a.estimates.perService?.method).toBe('clean-rows');
  });

  it('a fixed leak per deploy over redeploys at unchanged services: constant-services trend', () => {
    const steps = simulate({ ...HEALTHY, leakPerDeployBytes: 1 * MiB }, { services: 1000, batch: 100, redeploys: 6 });
    expect(verdicts(steps, GC).leak).toBeGreaterThanOrEqual(SEEDS * 0.95);
    const a = one(steps, GC);
    expect(a.verdict.decidedBy).toBe('constant-services-trend');
    expect(a.estimates.retainedPerDeploy?.method).toBe('constant-services-trend');
    expect(a.retainedPerDeployBytes).toBeGreaterThan(0.5 * MiB);
    expect(a.retainedPerDeployBytes).toBeLessThan(1.5 * MiB);
  });
});

describe('bounded retention is not a leak', () => {
  it('a cache that fills and stops, with a restart: plateau', () => {
    const steps = simulate({ ...HEALTHY, cacheBytes: 10 * MiB }, full);
    expect(verdicts(steps, GC)['bounded-retention']).toBe(SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.kind).toBe('bounded-retention');
    expect(a.verdict.decidedBy).toBe('plateau');
    expect(a.boundedRetentionBytes).toBeGreaterThan(7 * MiB);
    expect(a.boundedRetentionBytes).toBeLessThan(13 * MiB);
    expect(answer(a, 'restart-drop')).toBe('no-say');
  });

  it('a one-off step at the first reload after GC', () => {
    expect(verdicts(simulate({ ...HEALTHY, firstDeployStepBytes: 10 * MiB }, full), GC)['bounded-retention']).toBe(SEEDS);
  });
});

describe('concurrency', () => {
  const concurrencies = [10, 20, 10, 40, 20, 40];
  const base = simulate(HEALTHY, { services: 500, batch: 100 });

  it('a pool sized to the highest concurrency ever reached: concurrency-retention with bytes per unit', () => {
    const steps = withLoad(base, concurrencies, 'pool', 256 * KiB);
    expect(verdicts(steps, GC)['concurrency-retention']).toBe(SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.kind).toBe('concurrency-retention');
    expect(a.verdict.leak).toBe(false);
    expect(a.bytesPerConcurrency).toBeGreaterThan(200 * KiB);
    expect(a.bytesPerConcurrency).toBeLessThan(310 * KiB);
  });

  it('memory that rises on repeated concurrency too: leak', () => {
    const steps = withLoad(base, concurrencies, 'leak', 64 * KiB);
    expect(verdicts(steps, GC).leak).toBe(SEEDS);
    expect(one(steps, GC).verdict.decidedBy).toBe('concurrency');
  });

  it('memory back to baseline after traffic: healthy', () => {
    const steps = withLoad(base, concurrencies, 'healthy', 0);
    expect(verdicts(steps, GC).healthy).toBe(SEEDS);
    expect(answer(one(steps, GC), 'concurrency')).toBe('not-leak');
  });

  it('a rise without any repeated step cannot tell a pool from a leak', () => {
    const a = one(withLoad(base, [10, 20, 40], 'pool', 256 * KiB), GC);
    expect(answer(a, 'concurrency')).toBe('no-say');
    expect(a.verdict.kind).toBe('inconclusive');
    expect(a.verdict.needs).toContain('add a traffic step that repeats a lower concurrency');
  });
});

describe('too little data', () => {
  it('is inconclusive with fewer than 4 rows, saying what to add', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 30 * KiB }, { services: 300, batch: 100, zeroRow: false });
    const counts = verdicts(steps, GC, 50);
    expect(counts.inconclusive).toBe(50);
    const a = one(steps, GC);
    expect(a.verdict.needs).toEqual(expect.arrayContaining(['add --restart-at 300', 'add --redeploys 6', 'add rounds: at least 4 rounds, e.g. --services 400 --batch 100']));
    expect(answer(a, 'shape')).toBe('no-say');
  });

  it('lists every rule, in chain order, with its numbers', () => {
    const a = one(simulate(HEALTHY, full), GC);
    expect(a.verdict.reasons.map((r) => r.rule)).toEqual(['restart-drop', 'constant-services-trend', 'shape', 'concurrency', 'plateau']);
    for (const r of a.verdict.reasons) {
      expect(r.reason).toMatch(/\.$/);
      for (const v of Object.values(r.numbers)) expect(v === null || Number.isFinite(v)).toBe(true);
    }
  });
});

describe('numbers and determinism', () => {
  it('gives byte-identical JSON for the same rows', () => {
    const rows = rowsOf(simulate({ ...HEALTHY, cacheBytes: 10 * MiB }, full), GC, 7);
    expect(JSON.stringify(analyzeRounds(rows))).toBe(JSON.stringify(analyzeRounds(structuredClone(rows))));
  });

  it('estimates the live cost per service of a healthy run from the linear fit, within 5 %', () => {
    const a = one(simulate(HEALTHY, { services: 1000, batch: 100 }), GC);
    expect(a.estimates.perService?.method).toBe('linear-fit');
    expect(a.perServiceBytes! / (60 * KiB)).toBeGreaterThan(0.95);
    expect(a.perServiceBytes! / (60 * KiB)).toBeLessThan(1.05);
    const [lo, hi] = a.estimates.perService!.ci95!;
    expect(lo!).toBeLessThan(60 * KiB);
    expect(hi!).toBeGreaterThan(60 * KiB);
  });

  it('predicts the out-of-memory service count of a healthy gateway from its live cost', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 1000, batch: 100 }), GC, 3);
    // 20 MiB + 60 KiB × s reaches 400 MiB ÷ 2 = 200 MiB at s = 3072.
    const a = analyzeRounds(rows, { heapMaxBytes: 400 * MiB, deployPeakFactor: 2 });
    expect(a.predictedOomServices).toBeGreaterThan(2900);
    expect(a.predictedOomServices).toBeLessThan(3250);
    expect(a.estimates.prediction.model).toBe('linear');
    expect(analyzeRounds(rows).predictedOomServices).toBeNull();
  });

  it('marks the rows each rule read', () => {
    const a = one(simulate(HEALTHY, full), GC);
    const restart = a.rounds.find((r) => r.event === 'restart')!;
    expect(restart.role).toBe('restart');
    expect(restart.usedBy).toContain('restart-drop');
    expect(restart.supersededServices).toBe(0);
    expect(a.rounds[0]?.role).toBe('fresh-start');
  });

  it('measures the deploy peak factor from peaks when given and says the source', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 500, batch: 100 }), GC, 1).map((r) =>
      r.services > 0 ? { ...r, preDeployBytes: r.memoryBytes, peakBytes: r.memoryBytes * 1.8 } : r,
    );
    const a = analyzeRounds(rows);
    expect(a.deployPeakFactor).toBeCloseTo(1.8, 3);
    expect(a.estimates.deployPeakFactor.source).toBe('measured');
    expect(analyzeRounds(rows, { deployPeakFactor: 2.5 }).estimates.deployPeakFactor).toMatchObject({ source: 'option', measured: { deploys: 5 } });
  });

  it('fits the deploy time exponent on a log–log scale', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 800, batch: 100 }), GC, 1).map((r) => ({ ...r, deployMs: r.services > 0 ? 0.01 * r.services ** 2 : null }));
    expect(analyzeRounds(rows).deployTimeExponent).toBeCloseTo(2, 3);
  });
});
