/**
 * The measurement side of verdict engine v2 through the real driver and the real reference gateway
 * (the `run()` API `gwscale run` calls): K readings per point, the deploy peak on the V8 heap, and
 * `--redeploys auto` stopping when an injected sequential decision says so, or at MAX.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/api/run.js';
import type { Round } from '../src/run-log/round.js';
import { parseRoundsCsv } from '../src/analysis/rounds-csv.js';
import type { SequentialDecision, SequentialOptions } from '../src/analysis/sequential.js';
import { runConfigOf, type RedeployPlan, type RunConfig } from '../src/driver/config.js';
import type { SequentialRecord } from '../src/run-log/records.js';
import { isAlive } from './helpers/process.js';
import { records } from './helpers/run-log.js';
import { tempDir } from './helpers/temp-dir.js';

const root = tempDir('gwscale-run-sequential-');

function configOf(out: string, redeploys: RedeployPlan): RunConfig {
  return runConfigOf(
    {
      services: 20,
      batch: 10,
      concurrency: 4,
      redeploys,
      readings: 2,
      readingIntervalMs: 50,
      leakMargin: 0.005,
      gatewayHeapMb: 256,
      seed: 3,
      verify: 'none',
      callTimeoutMs: 30_000,
      sampleIntervalMs: 5,
    },
    out,
  );
}

/** Every gateway the run started (logged with its PID) is gone. */
function expectNoGatewayLeft(dir: string): void {
  const pids = records(dir).flatMap((r) => (r.type === 'gateway-start' && r.pid !== null ? [r.pid] : []));
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(isAlive(pid), `gateway pid ${pid} still running`).toBe(false);
}

describe('--redeploys auto with an injected sequential decision (reference gateway)', () => {
  it('redeploys one at a time until the decision says healthy, logging each decision; every point read twice', async () => {
    const out = join(root, 'decides');
    const asked: { rows: number; redeployRows: number; readings: number[]; options: SequentialOptions }[] = [];
    const decideAfterThree = (rows: readonly Round[], options: SequentialOptions): SequentialDecision => {
      const redeploys = rows.filter((r) => r.event === 'redeploy').length;
      asked.push({ rows: rows.length, redeployRows: redeploys, readings: rows.map((r) => r.readingsBytes?.length ?? 1), options });
      return redeploys >= 3
        ? { state: 'healthy', redeploys, reason: `stub: flat after ${redeploys}` }
        : { state: 'continue', redeploys, reason: 'stub: not yet' };
    };
    const result = await run(configOf(out, { mode: 'auto', max: 10 }), { sequentialDecision: decideAfterThree });
    expect(result.error).toBeNull();
    expect(result.state).toBe('completed');

    // The decision saw every row so far (baseline, 2 rounds, the redeploys) and the run's leak margin.
    expect(asked.map((a) => [a.rows, a.redeployRows])).toEqual([
      [4, 1],
      [5, 2],
      [6, 3],
    ]);
    expect(asked[0]?.options).toEqual({ leakMarginFraction: 0.005, maxRedeploys: 10 });
    expect(asked.every((a) => a.readings.every((k) => k === 2))).toBe(true);

    const log = records(out);
    const decisions = log.filter((r): r is SequentialRecord => r.type === 'sequential');
    expect(decisions.map((d) => [d.redeploys, d.max, d.state])).toEqual([
      [1, 10, 'continue'],
      [2, 10, 'continue'],
      [3, 10, 'healthy'],
    ]);

    const report = result.reports.report;
    expect(report.rounds.map((r) => r.event)).toEqual(['round', 'round', 'round', 'redeploy', 'redeploy', 'redeploy']);
    expect(report.sequentialRedeploys).toEqual({ mode: 'auto', max: 10, redeploys: 3, decided: 'healthy', reason: 'stub: flat after 3' });
    expect(report.settings).toMatchObject({ readings: 2, readingIntervalMs: 50, leakMarginFraction: 0.005, redeploys: { mode: 'auto', max: 10 } });
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('| Sequential redeploys | healthy after 3 |');

    for (const row of report.rounds) {
      // Two readings, each after its own forced GC; the row holds their mean.
      expect(row.readingsBytes).toHaveLength(2);
      const [a = 0, b = 0] = row.readingsBytes ?? [];
      expect(row.memoryBytes).toBe(Math.round((a + b) / 2));
      expect(row.memorySource).toBe('v8-heap-after-gc');
    }
    for (const row of report.rounds.filter((r) => r.event === 'redeploy' || r.services > 0)) {
      // The deploy peak is sampled on the V8 heap (what is projected), RSS beside it.
      expect(row.peakSource).toBe('heap');
      expect(row.peakBytes).toBeGreaterThan(0);
      expect(row.preDeployBytes).toBeGreaterThan(0);
      expect(row.extra?.peakRssBytes).toBeGreaterThan(row.peakBytes ?? 0);
    }
    const heapSamples = log.filter((r) => r.type === 'sample' && r.source === 'v8-heap-used');
    expect(heapSamples.length).toBeGreaterThanOrEqual(5);

    // rounds.csv holds every reading and reads back into the same points.
    const csvRows = parseRoundsCsv(readFileSync(result.reports.files.csv, 'utf8'), 'rounds.csv');
    const measured = ({ index, event, services, memoryBytes, readingsBytes, peakBytes, peakSource, preDeployBytes }: Round): unknown => ({
      index,
      event,
      services,
      memoryBytes,
      readingsBytes,
      peakBytes,
      peakSource,
      preDeployBytes,
    });
    expect(csvRows.map(measured)).toEqual(report.rounds.map(measured));
    expectNoGatewayLeft(out);
  });

  it('stops at MAX when the decision never settles, and says so', async () => {
    const out = join(root, 'max');
    const never = (rows: readonly Round[]): SequentialDecision => ({
      state: 'continue',
      redeploys: rows.filter((r) => r.event === 'redeploy').length,
      reason: 'stub: undecided',
    });
    const result = await run(configOf(out, { mode: 'auto', max: 2 }), { sequentialDecision: never });
    expect(result.state).toBe('completed');
    expect(result.reports.report.rounds.filter((r) => r.event === 'redeploy')).toHaveLength(2);
    expect(result.reports.report.sequentialRedeploys).toEqual({
      mode: 'auto',
      max: 2,
      redeploys: 2,
      decided: null,
      reason: 'undecided after 2 redeploys, the most allowed: stub: undecided',
    });
    expectNoGatewayLeft(out);
  });
});
