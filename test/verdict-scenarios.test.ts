/**
 * The verdict bench's scenario generators (bench/lib/scenarios.ts): a confusion table is only as
 * good as the truth behind it, so the generators are checked against their stated formulas —
 * seeded determinism, the noise-free series, replicate means, the leak's rise per redeploy, the
 * out-of-memory case — using the engine's own reading of the events (`seriesOf`).
 */
import { describe, expect, it } from 'vitest';
import { seriesOf } from '../src/analysis/series.js';
import { wilsonInterval } from '../bench/lib/proportion.js';
import { mulberry32, seededRandom } from '../bench/lib/random.js';
import { olsSlopeRises } from '../bench/lib/slope-test.js';
import { READINGS_PER_POINT, readingsOf, simulateRun, type ScenarioClass, type SimulatedRun } from '../bench/lib/scenarios.js';

const ALL: readonly ScenarioClass[] = [
  { kind: 'healthy', noiseSdFraction: 0.01 },
  { kind: 'gc-sawtooth' },
  { kind: 'first-reload-step' },
  { kind: 'outlier-before-restart' },
  { kind: 'slow-cache' },
  { kind: 'live-superlinear' },
  { kind: 'per-deploy-leak', leakFraction: 0.005, redeploys: 10 },
  { kind: 'retained-configs' },
  { kind: 'concurrency-high-water' },
  { kind: 'load-leak' },
  { kind: 'too-little-data' },
];
const SEEDS = Array.from({ length: 40 }, (_, i) => String(i));

const live = (run: SimulatedRun, services: number): number =>
  run.truth.baseBytes + run.truth.perServiceBytes * services + run.truth.perServiceSquaredBytes * services * services;

function relClose(actual: number, expected: number, tolerance = 1e-9): void {
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(tolerance);
}

describe('random source', () => {
  it('mulberry32 repeats itself for one seed and is uniform in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it('normal deviates have mean 0 and sd 1', () => {
    const r = seededRandom('normal');
    const xs = Array.from({ length: 20_000 }, () => r.normal());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
  });
});

describe('scenario generators', () => {
  it('are deterministic per seed and differ between seeds', () => {
    for (const scenario of ALL) {
      expect(simulateRun(scenario, '7')).toEqual(simulateRun(scenario, '7'));
      expect(simulateRun(scenario, '7').rows).not.toEqual(simulateRun(scenario, '8').rows);
    }
  });

  it('draw the same seed the same way whatever the leak size (common random numbers)', () => {
    const small = simulateRun({ kind: 'per-deploy-leak', leakFraction: 0.0025, redeploys: 6 }, '3');
    const large = simulateRun({ kind: 'per-deploy-leak', leakFraction: 0.02, redeploys: 6 }, '3');
    expect(large.rows.map((r) => r.services)).toEqual(small.rows.map((r) => r.services));
    expect(large.noise).toEqual(small.noise);
    expect(large.truth.leakPerDeployBytes / small.truth.leakPerDeployBytes).toBeCloseTo(8, 9);
  });

  it('write K replicate readings per row whose mean is memoryBytes, and well-formed rows', () => {
    for (const scenario of ALL) {
      for (const seed of SEEDS.slice(0, 10)) {
        const run = simulateRun(scenario, seed);
        const first = run.rows[0]!;
        expect(first).toMatchObject({ event: 'round', services: 0, deployMs: null, peakBytes: null });
        run.rows.forEach((row, i) => {
          expect(row.index).toBe(i);
          expect(row.readingsBytes).toHaveLength(READINGS_PER_POINT);
          const mean = row.readingsBytes!.reduce((s, x) => s + x, 0) / READINGS_PER_POINT;
          expect(Math.abs(mean - row.memoryBytes)).toBeLessThanOrEqual(0.5);
          expect(row.afterGc).toBe(scenario.kind !== 'gc-sawtooth');
          const deployed = i > 0 && (row.event === 'round' || row.event === 'redeploy');
          if (deployed) {
            expect(row.peakSource).toBe('heap');
            const factor = row.peakBytes! / row.preDeployBytes!;
            expect(factor).toBeGreaterThanOrEqual(1.3 * 0.95);
            expect(factor).toBeLessThanOrEqual(2.1 * 1.05);
          } else {
            expect(row.peakBytes).toBeNull();
          }
          expect(row.concurrency !== null).toBe(row.event === 'load');
        });
      }
    }
  });

  it('keep base, live cost, rounds and batches in their stated ranges, and leave some timings out', () => {
    let missingElapsed = 0;
    let rows = 0;
    for (const seed of SEEDS) {
      const run = simulateRun({ kind: 'healthy', noiseSdFraction: 0.01 }, seed);
      expect(run.truth.baseBytes).toBeGreaterThanOrEqual(30 * 1024 * 1024);
      expect(run.truth.baseBytes).toBeLessThanOrEqual(300 * 1024 * 1024);
      expect(run.truth.perServiceBytes).toBeGreaterThanOrEqual(20 * 1024);
      expect(run.truth.perServiceBytes).toBeLessThanOrEqual(400 * 1024);
      const roundRows = run.rows.filter((r) => r.event === 'round' && r.services > 0);
      expect(roundRows.length).toBeGreaterThanOrEqual(5);
      expect(roundRows.length).toBeLessThanOrEqual(20);
      const batches = roundRows.map((r, i) => r.services - (i === 0 ? 0 : roundRows[i - 1]!.services));
      expect(Math.max(...batches) / Math.min(...batches)).toBeLessThanOrEqual(3 + 1e-9 + 2 / Math.min(...batches));
      missingElapsed += run.rows.filter((r) => r.elapsedMs === null).length;
      rows += run.rows.length;
    }
    expect(missingElapsed / rows).toBeGreaterThan(0.05);
    expect(missingElapsed / rows).toBeLessThan(0.3);
  });

  it('follow their stated formulas without noise', () => {
    for (const seed of SEEDS) {
      const healthy = simulateRun({ kind: 'healthy', noiseSdFraction: 0.02 }, seed);
      healthy.rows.forEach((r, i) => relClose(healthy.trueMemoryBytes[i]!, live(healthy, r.services)));

      const superlinear = simulateRun({ kind: 'live-superlinear' }, seed);
      superlinear.rows.forEach((r, i) => relClose(superlinear.trueMemoryBytes[i]!, live(superlinear, r.services)));
      const top = Math.max(...superlinear.rows.map((r) => r.services));
      const squaredShare = (superlinear.truth.perServiceSquaredBytes * top * top) / live(superlinear, top);
      expect(squaredShare).toBeGreaterThanOrEqual(0.3 - 1e-9);
      expect(squaredShare).toBeLessThanOrEqual(0.6 + 1e-9);

      // Retained configurations: base + c·n + r·S, with S as the engine's series reads the events.
      const retained = simulateRun({ kind: 'retained-configs' }, seed);
      expect(retained.rows.filter((r) => r.event === 'restart')).toHaveLength(1);
      for (const d of seriesOf(retained.rows).deployRows) {
        const expected = live(retained, d.row.services) + retained.truth.retainedPerSupersededServiceBytes * d.supersededServices;
        relClose(retained.trueMemoryBytes[d.row.index]!, expected);
      }

      // Slow cache: each redeploy closes 20 % of the remaining gap to the bound.
      const cache = simulateRun({ kind: 'slow-cache' }, seed);
      const redeploys = cache.rows.map((r, i) => ({ r, m: cache.trueMemoryBytes[i]! })).filter((x) => x.r.event === 'redeploy');
      const bound = live(cache, redeploys[0]!.r.services) + cache.truth.cacheBoundBytes;
      for (let i = 1; i < redeploys.length; i++) relClose(bound - redeploys[i]!.m, 0.8 * (bound - redeploys[i - 1]!.m), 1e-6);
      expect(cache.truth.cacheBoundBytes / live(cache, redeploys[0]!.r.services)).toBeGreaterThanOrEqual(0.05 - 1e-9);
      expect(cache.truth.cacheBoundBytes / live(cache, redeploys[0]!.r.services)).toBeLessThanOrEqual(0.15 + 1e-9);

      // One-off step: 3–8 % at the first reload of the fresh process, flat over the redeploys.
      const step = simulateRun({ kind: 'first-reload-step' }, seed);
      const second = step.rows[2]!;
      relClose(step.trueMemoryBytes[2]!, live(step, second.services) * (1 + step.truth.firstReloadStepFraction));
      expect(step.truth.firstReloadStepFraction).toBeGreaterThanOrEqual(0.03);
      expect(step.truth.firstReloadStepFraction).toBeLessThanOrEqual(0.08);
      const stepRedeploys = step.trueMemoryBytes.filter((_, i) => step.rows[i]!.event === 'redeploy');
      expect(new Set(stepRedeploys).size).toBe(1);
    }
  });

  it('make the per-deploy leak rise by the stated % of memory per redeploy', () => {
    for (const leakFraction of [0.0025, 0.005, 0.01, 0.02]) {
      for (const seed of SEEDS.slice(0, 10)) {
        const run = simulateRun({ kind: 'per-deploy-leak', leakFraction, redeploys: 10 }, seed);
        const idx = run.rows.map((r, i) => (r.event === 'redeploy' ? i : -1)).filter((i) => i >= 0);
        expect(idx).toHaveLength(10);
        expect(run.rows.some((r) => r.event === 'restart')).toBe(false);
        const services = run.rows[idx[0]!]!.services;
        for (const i of idx) relClose((run.trueMemoryBytes[i]! - run.trueMemoryBytes[i - 1]!) / live(run, services), leakFraction);
      }
    }
  });

  it('hold concurrency retention at the high-water mark, and leak at every load step', () => {
    for (const seed of SEEDS) {
      for (const kind of ['concurrency-high-water', 'load-leak', 'load-flat'] as const) {
        const run = simulateRun({ kind }, seed);
        const firstLoad = run.rows.findIndex((r) => r.event === 'load');
        const idle = run.trueMemoryBytes[firstLoad - 1]!;
        let highest = 0;
        let total = 0;
        let repeatsAtHighest = 0;
        for (let i = firstLoad; i < run.rows.length; i++) {
          const c = run.rows[i]!.concurrency!;
          const requests = run.rows[i]!.requests!;
          // Clients × a rate of 20–60 each, ±10 %, never more than at the saturation point.
          expect(requests).toBeLessThanOrEqual(Math.ceil(c * 60 * 1.1));
          if (c === highest) repeatsAtHighest++;
          highest = Math.max(highest, c);
          total += requests;
          const extra = kind === 'load-leak' ? run.truth.leakBytesPerRequest * total : kind === 'load-flat' ? 0 : run.truth.poolBytesPerConcurrency * highest;
          relClose(run.trueMemoryBytes[i]!, idle + extra);
        }
        expect(repeatsAtHighest).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('append repeats of the highest drawn concurrency (--load-repeats) without changing the drawn rows or the truth', () => {
    for (const seed of SEEDS) {
      const plain = simulateRun({ kind: 'load-leak' }, seed);
      const repeated = simulateRun({ kind: 'load-leak' }, seed, { topRepeats: 3 });
      expect(repeated.rows.slice(0, plain.rows.length)).toEqual(plain.rows);
      expect(repeated.truth).toEqual(plain.truth);
      const highest = Math.max(...plain.rows.filter((r) => r.event === 'load').map((r) => r.concurrency!));
      const extra = repeated.rows.slice(plain.rows.length);
      expect(extra.map((r) => [r.event, r.concurrency])).toEqual([
        ['load', highest],
        ['load', highest],
        ['load', highest],
      ]);
      // A leak keeps rising on the repeats.
      expect(repeated.trueMemoryBytes.at(-1)!).toBeGreaterThan(plain.trueMemoryBytes.at(-1)!);
    }
  });

  it('give after-GC readings the stated sd, sawtooth readings 0–10 % above the live set, uniform noise within ±1.5 %', () => {
    const deviations: number[] = [];
    for (const seed of SEEDS) {
      const run = simulateRun({ kind: 'healthy', noiseSdFraction: 0.02 }, seed);
      run.rows.forEach((r, i) => r.readingsBytes!.forEach((x) => deviations.push(x / run.trueMemoryBytes[i]! - 1)));
      const saw = simulateRun({ kind: 'gc-sawtooth' }, seed);
      saw.rows.forEach((r, i) =>
        r.readingsBytes!.forEach((x) => {
          expect(x / saw.trueMemoryBytes[i]!).toBeGreaterThanOrEqual(1 - 1e-8);
          expect(x / saw.trueMemoryBytes[i]!).toBeLessThanOrEqual(1.1 + 1e-8);
        }),
      );
      const leak = simulateRun({ kind: 'per-deploy-leak', leakFraction: 0.005, redeploys: 6 }, seed);
      leak.rows.forEach((r, i) => r.readingsBytes!.forEach((x) => expect(Math.abs(x / leak.trueMemoryBytes[i]! - 1)).toBeLessThanOrEqual(0.015 + 1e-8)));
    }
    const sd = Math.sqrt(deviations.reduce((s, x) => s + x * x, 0) / deviations.length);
    expect(sd).toBeGreaterThan(0.018);
    expect(sd).toBeLessThan(0.022);
  });

  it('split the noise between point and reading: replicates scatter little when the point share is high', () => {
    const shares: { share: number; within: number }[] = [];
    for (const seed of SEEDS) {
      const run = simulateRun({ kind: 'healthy', noiseSdFraction: 0.02 }, seed);
      let sq = 0;
      let n = 0;
      for (const r of run.rows) {
        for (const x of r.readingsBytes!) {
          sq += ((x - r.memoryBytes) / r.memoryBytes) ** 2;
          n++;
        }
      }
      // Within-point variance estimates (1 − share) · sd² (K − 1 degrees of freedom per point).
      shares.push({ share: run.noise.pointShare, within: sq / (n * (1 - 1 / READINGS_PER_POINT)) / 0.02 ** 2 });
    }
    for (const { share, within } of shares) expect(Math.abs(within - (1 - share))).toBeLessThan(0.45);
    expect(Math.min(...shares.map((s) => s.share))).toBeLessThan(0.2);
    expect(Math.max(...shares.map((s) => s.share))).toBeGreaterThan(0.8);
  });

  it('give replicates a correlation equal to the point share, each reading keeping its stated law', () => {
    const K = READINGS_PER_POINT;
    for (const shape of ['normal', 'uniform', 'sawtooth'] as const) {
      for (const pointShare of [0, 0.5, 1]) {
        const random = seededRandom(`split-${shape}-${pointShare}`);
        const points = Array.from({ length: 20_000 }, () => readingsOf(1e9, { shape, scaleFraction: 0.02, pointShare }, random).map((x) => x / 1e9 - 1));
        const all = points.flat();
        const mean = all.reduce((s, x) => s + x, 0) / all.length;
        const variance = all.reduce((s, x) => s + (x - mean) ** 2, 0) / all.length;
        // Within-point scatter estimates (1 − correlation) × variance.
        const within =
          points.reduce((s, p) => {
            const m = p.reduce((a, x) => a + x, 0) / K;
            return s + p.reduce((a, x) => a + (x - m) ** 2, 0);
          }, 0) /
          (points.length * (K - 1));
        expect(Math.abs(within / variance - (1 - pointShare))).toBeLessThan(0.03);
        const expectedSd = shape === 'normal' ? 0.02 : 0.02 / Math.sqrt(3) / (shape === 'sawtooth' ? 2 : 1);
        expect(Math.abs(Math.sqrt(variance) / expectedSd - 1)).toBeLessThan(0.03);
        if (shape === 'uniform') expect(Math.max(...all.map(Math.abs))).toBeLessThanOrEqual(0.02 + 1e-8);
        if (shape === 'sawtooth') expect(Math.min(...all)).toBeGreaterThanOrEqual(-1e-8);
      }
    }
  });

  it('put the outlier 6 % high on the point before the restart, in one replicate or all', () => {
    const flagged: number[] = [];
    const others: number[] = [];
    const counts = new Set<number>();
    for (const seed of SEEDS) {
      const run = simulateRun({ kind: 'outlier-before-restart' }, seed);
      const outlier = run.outlier!;
      expect(run.rows[outlier.rowIndex + 1]!.event).toBe('restart');
      counts.add(outlier.replicates.length);
      run.rows[outlier.rowIndex]!.readingsBytes!.forEach((x, i) =>
        (outlier.replicates.includes(i) ? flagged : others).push(x / run.trueMemoryBytes[outlier.rowIndex]!),
      );
    }
    expect([...counts].sort()).toEqual([1, READINGS_PER_POINT]);
    const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean(flagged) - 1.06)).toBeLessThan(0.005);
    expect(Math.abs(mean(others) - 1)).toBeLessThan(0.005);
  });

  it('place the true crash of retained configurations beyond the data and feed rows up to 80 % of it', () => {
    for (const seed of SEEDS) {
      const run = simulateRun({ kind: 'retained-configs' }, seed);
      const oom = run.oom!;
      const last = Math.max(...run.rows.map((r) => r.services));
      expect(oom.crashServices).toBeGreaterThanOrEqual(1.1 * last);
      // No deploy of the data, nor any after it before the crash, needs the heap max: each starts
      // from the memory before it plus what registering its round added (measured from the rows:
      // heap before each deploy, noise and all, is at most 3 % above its true start).
      const lastBatch = last - (run.rows.filter((r) => r.event === 'round').at(-2)?.services ?? 0);
      expect(run.registrationBytesPerService).toBeLessThanOrEqual(1.5 * run.truth.perServiceBytes);
      const starts = run.rows.flatMap((r) => (r.preDeployBytes === null ? [] : [r.preDeployBytes]));
      expect(Math.max(...starts) * run.peakFactor).toBeLessThan(oom.heapMaxBytes * 1.03);
      expect(oom.highestFittingStartBytes).toBeGreaterThanOrEqual(run.trueMemoryBytes.at(-1)! + run.registrationBytesPerService * lastBatch);
      expect(oom.highestFittingStartBytes * run.peakFactor).toBeLessThan(oom.heapMaxBytes);
      // The crashing deploy does need more.
      expect(oom.crashStartBytes * run.peakFactor).toBeGreaterThanOrEqual(oom.heapMaxBytes);
      expect(Math.max(...run.trueMemoryBytes) * run.peakFactor).toBeLessThan(oom.heapMaxBytes);
      expect(oom.rows.every((r) => r.services <= 0.8 * oom.crashServices)).toBe(true);
      expect(oom.rows).toEqual(run.rows.slice(0, oom.rows.length));
      expect(run.options.heapMaxBytes).toBe(oom.heapMaxBytes);
      const restart = run.rows.findIndex((r) => r.event === 'restart');
      const position = restart / (run.rows.length - 1);
      expect(position).toBeGreaterThan(0.15);
      expect(position).toBeLessThan(0.9);
    }
  });

  it('give too little data as 2–3 rows', () => {
    for (const seed of SEEDS) {
      const n = simulateRun({ kind: 'too-little-data' }, seed).rows.length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(3);
    }
  });
});

describe('bench statistics', () => {
  it('Wilson 95 % interval matches textbook values', () => {
    const [low, high] = wilsonInterval(5, 10);
    expect(low).toBeCloseTo(0.2366, 4);
    expect(high).toBeCloseTo(0.7634, 4);
    expect(wilsonInterval(0, 10)[0]).toBe(0);
    expect(wilsonInterval(0, 10)[1]).toBeCloseTo(0.2775, 4);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
  });

  it('the OLS yardstick reads only the last round and its redeploys', () => {
    const leak = simulateRun({ kind: 'per-deploy-leak', leakFraction: 0.02, redeploys: 20 }, '1');
    expect(olsSlopeRises(leak.rows, 0.001)).toBe(true);
    // A healthy run's rounds rise steeply; the yardstick must not see them.
    const healthy = simulateRun({ kind: 'healthy', noiseSdFraction: 0.005 }, '1');
    expect(olsSlopeRises(healthy.rows, 0.001)).toBe(false);
    expect(olsSlopeRises(healthy.rows.slice(0, 2), 0.001)).toBeNull();
  });
});
