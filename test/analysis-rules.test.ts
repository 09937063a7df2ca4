/**
 * The verdict engine on seeded synthetic series of every class (our own generators: the scenario
 * grid with field-like irregularity is `npm run bench -- verdict`). Healthy series may be called a
 * leak in at most 1 % of seeds (the engine's levels are 0.001 per test); leaks of moderate size must
 * be caught in (nearly) every seed; `healthy` needs evidence of absence (the equivalence test).
 */
import { describe, expect, it } from 'vitest';
import { analyzeRounds, type Analysis } from '../src/analysis/analysis.js';
import type { RuleName } from '../src/analysis/rules/rule.js';
import { RULE_ORDER } from '../src/analysis/verdict.js';
import { HEALTHY, KiB, MiB, rowsOf, simulate, withLoad, type Noise, type Step } from './analysis-synthetic.js';
import type { Round } from '../src/run-log/round.js';

const SEEDS = 500;
/** At most 1 % of healthy seeds may be called a leak. */
const FALSE_LEAKS = SEEDS / 100;
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

describe('healthy series are not called leaks (500 seeds each, at most 1 %)', () => {
  const cases: [string, Step[], Noise][] = [
    ['linear rounds, after GC', simulate(HEALTHY, { services: 1000, batch: 100 }), GC],
    ['rounds, restart and redeploys, after GC', simulate(HEALTHY, full), GC],
    ['after GC but 4× noisier than assumed (2 %)', simulate(HEALTHY, { services: 1000, batch: 100, redeploys: 6 }), { afterGc: true, sdFraction: 0.02 }],
    ['RSS with a ±10 % GC sawtooth', simulate(HEALTHY, full), SAWTOOTH],
    ['RSS with a sawtooth, rounds only', simulate(HEALTHY, { services: 1000, batch: 100 }), SAWTOOTH],
    ['RSS stepping up at the first reload, then level (Go/JVM)', simulate({ ...HEALTHY, firstDeployStepBytes: 15 * MiB }, full), SAWTOOTH],
    [
      'live data growing faster than linear, restart shows it is live',
      simulate({ ...HEALTHY, perServiceSquaredBytes: 60 }, { services: 1000, batch: 100, restartAt: [500] }),
      GC,
    ],
    ['4 after-GC rounds', simulate(HEALTHY, { services: 400, batch: 100, zeroRow: false }), GC],
  ];
  it.each(cases)('%s', (_name, steps, noise) => {
    const counts = verdicts(steps, noise);
    expect(counts.leak ?? 0).toBeLessThanOrEqual(FALSE_LEAKS);
    expect(counts['concurrency-retention'] ?? 0).toBe(0);
  });

  it('calls a clean after-GC run with redeploys healthy by the equivalence test, in at least 95 % of seeds', () => {
    const counts = verdicts(simulate(HEALTHY, full), GC);
    expect(counts.healthy).toBeGreaterThanOrEqual(0.95 * SEEDS);
    const a = one(simulate(HEALTHY, full), GC);
    expect(a.verdict.kind).toBe('healthy');
    expect(a.verdict.leak).toBe(false);
    expect(a.verdict.decidedBy).toBe('equivalence');
    expect(answer(a, 'model-selection')).toBe('not-leak');
    expect(answer(a, 'lack-of-fit')).toBe('fits');
    expect(answer(a, 'equivalence')).toBe('not-leak');
    expect(a.estimates.retainedPerDeploy!.upper95!).toBeLessThan(a.leakMarginBytes);
  });

  it('does not call rounds alone healthy: what a deploy keeps needs redeploys to be bounded', () => {
    const a = one(simulate(HEALTHY, { services: 1000, batch: 100 }), GC);
    expect(a.verdict.kind).toBe('inconclusive');
    expect(a.verdict.needs.join(' ')).toMatch(/--redeploys/);
  });
});

describe('leaks are caught (power over 500 seeds)', () => {
  it('kept configurations (retain-configs), rounds only, after GC', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 9 * KiB }, { services: 1000, batch: 100 });
    expect(verdicts(steps, GC).leak).toBeGreaterThanOrEqual(0.99 * SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.decidedBy).toBe('retention');
    expect(a.estimates.model?.chosen).toBe('linear+retained-configs');
    // 9 KiB per superseded service × 1000 services.
    expect(a.retainedPerDeployBytes! / (9 * KiB * 1000)).toBeGreaterThan(0.8);
    expect(a.retainedPerDeployBytes! / (9 * KiB * 1000)).toBeLessThan(1.2);
  });

  it('the same leak under a ±10 % sawtooth when it is large', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 30 * KiB }, { services: 1000, batch: 100 });
    expect(verdicts(steps, SAWTOOTH).leak).toBeGreaterThanOrEqual(SEEDS * 0.9);
  });

  it('a restart that releases kept configurations, and redeploys: the restart is explained by the model, not by a shift', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 9 * KiB }, { services: 1000, batch: 100, restartAt: [500], redeploys: 4 });
    expect(verdicts(steps, GC).leak).toBe(SEEDS);
    const a = one(steps, GC);
    expect(a.estimates.model?.chosen).toBe('linear+retained-configs');
    expect(a.perServiceBytes! / (60 * KiB)).toBeGreaterThan(0.9);
    expect(a.perServiceBytes! / (60 * KiB)).toBeLessThan(1.1);
  });

  it('a fixed leak per deploy over redeploys at unchanged services', () => {
    const steps = simulate({ ...HEALTHY, leakPerDeployBytes: 1 * MiB }, { services: 1000, batch: 100, redeploys: 6 });
    expect(verdicts(steps, GC).leak).toBeGreaterThanOrEqual(SEEDS * 0.95);
    const a = one(steps, GC);
    expect(a.estimates.model?.chosen).toBe('linear+per-deploy');
    expect(a.retainedPerDeployBytes).toBeGreaterThan(0.5 * MiB);
    expect(a.retainedPerDeployBytes).toBeLessThan(1.5 * MiB);
    const [lo, hi] = a.estimates.retainedPerDeploy!.ci95!;
    expect(lo!).toBeLessThan(1 * MiB);
    expect(hi!).toBeGreaterThan(1 * MiB);
  });
});

describe('bounded retention is not a leak', () => {
  it('a cache that fills and stops, with a restart', () => {
    const steps = simulate({ ...HEALTHY, cacheBytes: 10 * MiB }, full);
    expect(verdicts(steps, GC)['bounded-retention']).toBeGreaterThanOrEqual(0.95 * SEEDS);
    const a = one(steps, GC);
    expect(a.verdict.kind).toBe('bounded-retention');
    expect(a.verdict.decidedBy).toBe('model-selection');
    expect(a.estimates.model?.retention).toBe('saturating');
    expect(a.boundedRetentionBytes).toBeGreaterThan(7 * MiB);
    expect(a.boundedRetentionBytes).toBeLessThan(13 * MiB);
  });

  it('a one-off step at the first reload after GC', () => {
    const counts = verdicts(simulate({ ...HEALTHY, firstDeployStepBytes: 10 * MiB }, full), GC);
    expect(counts['bounded-retention']).toBeGreaterThanOrEqual(0.95 * SEEDS);
    expect(counts.leak ?? 0).toBe(0);
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

  it('memory back to baseline after traffic: no finding from the traffic steps', () => {
    const steps = withLoad(base, concurrencies, 'healthy', 0);
    const counts = verdicts(steps, GC);
    expect((counts.leak ?? 0) + (counts['concurrency-retention'] ?? 0)).toBe(0);
    expect(answer(one(steps, GC), 'concurrency')).toBe('not-leak');
  });

  it('a leak the steps cannot tell from a pool is never called a pool or healthy: it asks for repeats of the highest', () => {
    // One repeat below the highest: the pool and leak columns are nearly collinear.
    const steps = withLoad(base, [10, 20, 40, 80, 40], 'leak', 24 * KiB);
    const counts = verdicts(steps, GC);
    expect(counts['concurrency-retention'] ?? 0).toBe(0);
    expect(counts.healthy ?? 0).toBe(0);
    const a = one(steps, GC);
    expect(answer(a, 'concurrency')).toBe('no-say');
    expect(a.verdict.needs.join(' ')).toContain('repeat the highest concurrency (80)');
    // With the highest repeated three more times, the same leak is found.
    expect(verdicts(withLoad(base, [10, 20, 40, 80, 40, 80, 80, 80], 'leak', 24 * KiB), GC).leak).toBeGreaterThanOrEqual(0.95 * SEEDS);
  });

  it('traffic that keeps nothing within the margin is not-leak, and only with enough steps to bound it', () => {
    const flat = one(withLoad(base, concurrencies, 'healthy', 0), GC);
    const numbers = flat.verdict.reasons.find((r) => r.rule === 'concurrency')?.numbers ?? {};
    expect(answer(flat, 'concurrency')).toBe('not-leak');
    expect(numbers['heldUpperBytes']).toBeLessThan(numbers['marginBytes'] as number);
    expect(numbers['keptUpperBytes']).toBeLessThan(numbers['marginBytes'] as number);
    // Too few steps to bound what traffic keeps: not called not-leak, however flat.
    const short = one(withLoad(base, [10, 20], 'healthy', 0), GC);
    expect(answer(short, 'concurrency')).toBe('no-say');
  });

  it('with request counts on the rows, the leak is per request served', () => {
    // A saturated gateway: 40 and 80 clients get the same requests through, so the leak is not per unit of concurrency.
    const requestsAt = (c: number): number => Math.min(c, 40) * 50;
    const perRequest = 1024;
    const plan = [10, 40, 20, 80, 80, 80, 30];
    let kept = 0;
    const last = base[base.length - 1]!;
    const steps = [
      ...base,
      ...plan.map((c) => {
        kept += perRequest * requestsAt(c);
        return { event: 'load' as const, services: last.services, trueBytes: last.trueBytes + kept, concurrency: c };
      }),
    ];
    const rows = rowsOf(steps, GC, 1).map((r) => (r.event === 'load' ? { ...r, requests: requestsAt(r.concurrency!) } : r));
    const a = analyzeRounds(rows);
    const test = a.verdict.reasons.find((r) => r.rule === 'concurrency');
    expect(test?.answer).toBe('leak');
    expect(test?.reason).toContain('per request served');
    expect(test?.numbers['leakBytesPerRequest']).toBeGreaterThan(0.8 * perRequest);
    expect(test?.numbers['leakBytesPerRequest']).toBeLessThan(1.2 * perRequest);
    expect(test?.numbers['leakBytesPerConcurrencyStep']).toBeNull();
  });

  it('memory that falls as concurrency rises, beyond noise, is no-say: neither a pool nor a leak explains it', () => {
    const last = base[base.length - 1]!;
    let runningMax = 0;
    let sum = 0;
    // A negative "pool" traded against a positive "leak": what two collinear columns fit to a drift.
    const steps = [
      ...base,
      ...[10, 20, 40, 80, 80, 80].map((c) => {
        runningMax = Math.max(runningMax, c);
        sum += c;
        return { event: 'load' as const, services: last.services, trueBytes: last.trueBytes - 96 * KiB * runningMax + 40 * KiB * sum, concurrency: c };
      }),
    ];
    const a = one(steps, GC);
    expect(answer(a, 'concurrency')).toBe('no-say');
    expect(a.verdict.reasons.find((r) => r.rule === 'concurrency')?.reason).toContain('moved against the traffic');
    expect(a.verdict.kind).not.toBe('leak');
  });

  it('a rise without any repeated step cannot tell a pool from a leak', () => {
    const a = one(withLoad(base, [10, 20, 40], 'pool', 256 * KiB), GC);
    expect(answer(a, 'concurrency')).toBe('no-say');
    expect(a.verdict.kind).toBe('inconclusive');
    expect(a.verdict.needs).toContain('add a traffic step that repeats a concurrency already reached (--load-repeats does it at the highest)');
  });
});

describe('too little data', () => {
  it('is inconclusive with fewer than 4 deploy readings, saying what to add', () => {
    const steps = simulate({ ...HEALTHY, retainedPerSupersededServiceBytes: 30 * KiB }, { services: 300, batch: 100, zeroRow: false });
    expect(verdicts(steps, GC, 50).inconclusive).toBe(50);
    const a = one(steps, GC);
    expect(a.verdict.needs.join(' ')).toMatch(/at least 4 deploys/);
    expect(answer(a, 'model-selection')).toBe('no-say');
  });

  it('lists every test, in order, with finite numbers', () => {
    const a = one(simulate(HEALTHY, full), GC);
    const order = a.verdict.reasons.map((r) => r.rule);
    expect(order).toEqual(['model-selection', 'lack-of-fit', 'retention', 'equivalence', 'restart', 'concurrency']);
    expect([...order].sort((x, y) => RULE_ORDER.indexOf(x) - RULE_ORDER.indexOf(y))).toEqual(order);
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

  it('estimates the live cost per service of a healthy run from the curve model, within 5 %', () => {
    const a = one(simulate(HEALTHY, { services: 1000, batch: 100 }), GC);
    expect(a.estimates.perService?.method).toBe('curve-model');
    expect(a.perServiceBytes! / (60 * KiB)).toBeGreaterThan(0.95);
    expect(a.perServiceBytes! / (60 * KiB)).toBeLessThan(1.05);
    const [lo, hi] = a.estimates.perService!.ci95!;
    expect(lo!).toBeLessThan(60 * KiB);
    expect(hi!).toBeGreaterThan(60 * KiB);
  });

  it('predicts the out-of-memory service count of a healthy gateway from its live cost', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 1000, batch: 100 }), GC, 3);
    // 20 MiB + 60 KiB × s reaches 400 MiB ÷ 2 = 200 MiB at s = 3072: the round to 3100 passes it,
    // and the deploy after it (to 3200) is the one that no longer fits.
    const a = analyzeRounds(rows, { heapMaxBytes: 400 * MiB, deployPeakFactor: 2 });
    expect(a.predictedOomServices).toBeGreaterThanOrEqual(3100);
    expect(a.predictedOomServices).toBeLessThanOrEqual(3300);
    expect(a.estimates.prediction.model).toBe('linear');
    const [lo, hi] = a.predictedOomInterval!;
    expect(lo!).toBeLessThanOrEqual(3200);
    expect(hi!).toBeGreaterThanOrEqual(3200);
    expect(analyzeRounds(rows).predictedOomServices).toBeNull();
    expect(analyzeRounds(rows).predictedOomInterval).toBeNull();
  });

  it('marks the rows each test read', () => {
    const a = one(simulate(HEALTHY, full), GC);
    const restart = a.rounds.find((r) => r.event === 'restart')!;
    expect(restart.role).toBe('restart');
    expect(restart.usedBy).toContain('restart');
    expect(restart.fittedBytes).not.toBeNull();
    expect(restart.supersededServices).toBe(0);
    expect(a.rounds[0]?.role).toBe('fresh-start');
  });

  it('measures the deploy peak factor from peaks when given and says the source', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 500, batch: 100 }), GC, 1).map((r) =>
      r.services > 0 ? { ...r, preDeployBytes: r.memoryBytes, peakBytes: r.memoryBytes * 1.8, peakSource: 'heap' as const } : r,
    );
    const a = analyzeRounds(rows);
    expect(a.deployPeakFactor).toBeCloseTo(1.8, 3);
    expect(a.estimates.deployPeakFactor.source).toBe('measured');
    expect(analyzeRounds(rows, { deployPeakFactor: 2.5 }).estimates.deployPeakFactor).toMatchObject({ source: 'option', measured: { deploys: 5 } });
  });

  it('measures what registration adds to the heap before a deploy, per service, from heap-sampled rounds only', () => {
    // Each round of 100 adds 8 bytes a service to the heap before its deploy starts.
    const rows = rowsOf(simulate(HEALTHY, { services: 500, batch: 100 }), GC, 1).map((r, i, all) =>
      r.services > 0
        ? { ...r, preDeployBytes: (all[i - 1]?.memoryBytes ?? 0) + 800, peakBytes: 2 * ((all[i - 1]?.memoryBytes ?? 0) + 800), peakSource: 'heap' as const }
        : r,
    );
    const heap = analyzeRounds(rows, { heapMaxBytes: 1e12 });
    expect(heap.deployPeakFactor).toBe(2);
    expect(heap.estimates.prediction.registrationBytesPerService).toBe(8);
    // The deploy limit is what is left once the next round's registration is in.
    expect(heap.estimates.prediction.limitBytes).toBe(1e12 / 2 - 8 * 100);
    // RSS before a deploy is not the kind of memory the rows read: no registration growth from it.
    const rss = rows.map((r) => (r.peakSource === 'heap' ? { ...r, peakSource: 'rss' as const } : r));
    expect(analyzeRounds(rss, { heapMaxBytes: 1e12 }).estimates.prediction.registrationBytesPerService).toBeNull();
  });

  it('counts no registration growth for a redeploy in the data: a redeploy that fits does not become the predicted crash', () => {
    // Rounds of 100 to 500, each adding 80 KiB a service before its deploy, which peaks at 1.5 ×
    // the heap before it; the heap max lets the deploy of 500 and a redeploy at 500 fit, not a round more.
    const withPeaks = (plan: { services: number; batch: number; redeploys?: number }): Round[] =>
      rowsOf(simulate(HEALTHY, plan), GC, 1).map((r, i, all) => {
        if (i === 0) return r;
        const before = all[i - 1]!;
        const preDeployBytes = before.memoryBytes + (r.services - before.services) * 80 * KiB;
        return { ...r, preDeployBytes, peakBytes: 1.5 * preDeployBytes, peakSource: 'heap' as const };
      });
    const rounds = withPeaks({ services: 500, batch: 100 });
    const heapMaxBytes = 1.5 * (rounds.at(-1)!.memoryBytes + 4 * MiB);
    expect(analyzeRounds(rounds, { heapMaxBytes }).predictedOomServices).toBe(600);
    const redeployed = withPeaks({ services: 500, batch: 100, redeploys: 1 });
    expect(redeployed.at(-1)?.event).toBe('redeploy');
    // The last reading plus a round's registration already reaches the limit: the next round fails.
    const a = analyzeRounds(redeployed, { heapMaxBytes });
    expect(a.estimates.prediction.reachedInData).toBe(true);
    expect(a.predictedOomInterval).toEqual([600, 600]);
  });

  it('takes an RSS peak as a rise over the RSS before the deploy, applied to the live memory before it', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 500, batch: 100 }), GC, 1).map((r, i, all) =>
      r.services > 0
        ? {
            ...r,
            preDeployBytes: 3 * (all[i - 1]?.memoryBytes ?? 0),
            peakBytes: 3 * (all[i - 1]?.memoryBytes ?? 0) + 0.5 * (all[i - 1]?.memoryBytes ?? 0),
            peakSource: 'rss' as const,
          }
        : r,
    );
    // RSS three times the heap: the deploy needs half the live memory more, not 1.17× RSS.
    expect(analyzeRounds(rows).deployPeakFactor).toBeCloseTo(1.5, 3);
    expect(analyzeRounds(rows).estimates.deployPeakFactor.measured?.kind).toBe('rss');
  });

  it('fits the deploy time exponent on a log–log scale', () => {
    const rows = rowsOf(simulate(HEALTHY, { services: 800, batch: 100 }), GC, 1).map((r) => ({
      ...r,
      deployMs: r.services > 0 ? 0.01 * r.services ** 2 : null,
    }));
    expect(analyzeRounds(rows).deployTimeExponent).toBeCloseTo(2, 3);
  });
});
