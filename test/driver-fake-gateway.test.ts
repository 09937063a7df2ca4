/**
 * The driver's own logic, driven through an in-memory adapter (test/helpers/fake-gateway.ts): the
 * round plan, crash restarts, interrupt and resume, the measurer's deploy peaks. Seconds, no
 * processes; the same paths against real gateways are in run-e2e, reliability-e2e and faults-*.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigOf, type RunConfig, type RunSettingValues } from '../src/driver/config.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import { resumePointOf } from '../src/driver/resume.js';
import { planRounds } from '../src/driver/round-plan.js';
import { readRunLog, roundsOf } from '../src/driver/run-log.js';
import { runScale, type ScaleRunDeps } from '../src/driver/scale-run.js';
import type { RunRecord } from '../src/run-log/records.js';
import { FakeGateway } from './helpers/fake-gateway.js';
import { records } from './helpers/run-log.js';
import { tempDir } from './helpers/temp-dir.js';

const root = tempDir('gwscale-driver-fake-');
let runs = 0;

/** 400 services in rounds of 100, one reading per point, no verify: a run of ~1 s against the fake. */
function config(overrides: Partial<RunSettingValues> = {}): RunConfig {
  return runConfigOf(
    { services: 400, batch: 100, readings: 1, readingIntervalMs: 0, sampleIntervalMs: 5, verify: 'none', leakMargin: 0.0025, ...overrides },
    join(root, `run-${++runs}`),
  );
}

function deps(adapter: FakeGateway, c: RunConfig, more: Partial<ScaleRunDeps> = {}): ScaleRunDeps {
  return { adapter, catalog: createServiceCatalog(c, 'http://127.0.0.1:9'), ...more };
}

const rowsOf = (log: readonly RunRecord[]): { event: string; services: number }[] => roundsOf(log).map((r) => ({ event: r.event, services: r.services }));

describe('the round plan', () => {
  it('lists the rounds as data, with --restart-at after the round that reaches the count', () => {
    const plan = planRounds({ services: 250, batch: 100, restartAt: [200], redeploys: 2 });
    expect(plan.rounds).toEqual([
      { round: 1, from: 0, to: 100, restartAfter: false },
      { round: 2, from: 100, to: 200, restartAfter: true },
      { round: 3, from: 200, to: 250, restartAfter: false },
    ]);
    expect(plan).toMatchObject({ lastRound: 3, redeploys: 2, redeploysDone: 0, redeploysDecided: false });
  });

  it('starts a resumed run after its last completed round', () => {
    const point = {
      services: 200,
      roundsDone: 2,
      redeploysDone: 0,
      rows: 3,
      operations: 200,
      attachedPolicies: 400,
      finished: false,
      sequentialDecided: false,
    };
    const plan = planRounds({ services: 400, batch: 100, restartAt: [], redeploys: { mode: 'auto', max: 10 } }, point);
    expect(plan.rounds.map((r) => [r.round, r.from, r.to])).toEqual([
      [3, 200, 300],
      [4, 300, 400],
    ]);
    expect(planRounds({ services: 200, batch: 100, restartAt: [], redeploys: 1 }, { ...point, redeploysDone: 1 })).toMatchObject({
      rounds: [],
      lastRound: 2,
      redeploysDone: 1,
    });
  });
});

describe('the driver against an in-memory gateway', () => {
  it('measures every round with its deploy peak sampled from heap in use, and completes', async () => {
    const c = config({ redeploys: 2 });
    const adapter = new FakeGateway();
    const result = await runScale(c, deps(adapter, c));
    expect(result).toMatchObject({ state: 'completed', error: null, runDir: c.outDir });
    const log = records(c.outDir);
    expect(rowsOf(log)).toEqual(
      [0, 100, 200, 300, 400]
        .map((services) => ({ event: 'round', services }))
        .concat([
          { event: 'redeploy', services: 400 },
          { event: 'redeploy', services: 400 },
        ]),
    );
    const rows = roundsOf(log);
    // The fake holds 64 KiB per deployed service over a 50 MiB base; each row reads exactly that.
    for (const row of rows) expect(row.memoryBytes).toBe((50 << 20) + row.services * (64 << 10));
    for (const row of rows.filter((r) => r.services > 0)) {
      expect(row.peakSource).toBe('heap');
      expect(row.peakBytes).toBeGreaterThan(row.preDeployBytes ?? Infinity);
    }
    const end = log.at(-1);
    expect(end?.type === 'run-end' && end.state).toBe('completed');
    expect(end?.type === 'run-end' && end.samplesTaken).toBe(log.filter((r) => r.type === 'sample').length);
    expect(log.filter((r) => r.type === 'listing').every((r) => r.type === 'listing' && r.matches)).toBe(true);
  });

  it('after a crash with a restart left: records it, restarts, registers the lost services again, goes on', async () => {
    const c = config({ restartOnCrash: true, crashRestarts: 1 });
    // Deploy 3 is round 3's: the process dies with 300 services registered.
    const adapter = new FakeGateway({ crashOnDeploys: [3] });
    const result = await runScale(c, deps(adapter, c));
    expect(result.state).toBe('completed');
    const log = records(c.outDir);
    expect(log.filter((r) => r.type === 'crash')).toMatchObject([{ services: 300, phase: 'deploy', exit: { signal: 'SIGABRT' } }]);
    expect(log.filter((r) => r.type === 'gateway-start').map((r) => r.type === 'gateway-start' && r.reason)).toEqual(['start', 'crash-restart']);
    expect(rowsOf(log).map((r) => `${r.event} ${r.services}`)).toEqual([
      'round 0',
      'round 100',
      'round 200',
      'crash 300',
      'restart 300',
      'round 300',
      'round 400',
    ]);
    // The fresh process held nothing: the 200 deployed services (before the restart's measurement),
    // then round 3's 100 (before its deploy is tried again) were registered again, uncounted.
    const registers = log.flatMap((r) => (r.type === 'register' ? [[r.from, r.to, r.operations]] : []));
    expect(registers).toEqual([
      [0, 100, 100],
      [100, 200, 100],
      [200, 300, 100],
      [0, 200, 0],
      [200, 300, 0],
      [300, 400, 100],
    ]);
    expect(log.filter((r) => r.type === 'listing').every((r) => r.type === 'listing' && r.matches)).toBe(true);
  });

  it('a crash beyond --crash-restarts ends the run as crashed, with the crash and the out-of-memory line', async () => {
    const c = config({ restartOnCrash: true, crashRestarts: 1 });
    const adapter = new FakeGateway({ crashOnDeploys: [2, 4] });
    const result = await runScale(c, deps(adapter, c));
    expect(result.state).toBe('crashed');
    if (result.state !== 'crashed') return;
    expect(result.crash).toMatchObject({ phase: 'deploy', services: 200 });
    expect(result.error.exitCode).toBe(7);
    expect(result.error.hint).toContain('JavaScript heap out of memory');
    const log = records(c.outDir);
    expect(log.filter((r) => r.type === 'crash')).toHaveLength(2);
    expect(adapter.calls.at(-1)).toBe('stop');
  });

  it('an interrupt ends the run as interrupted (no error), and --resume finishes it from its log', async () => {
    const c = config({ redeploys: 1 });
    const controller = new AbortController();
    // SIGINT as round 3's deploy begins.
    const first = new FakeGateway({ onDeploy: (n) => n === 3 && controller.abort() });
    const stopped = await runScale(c, deps(first, c, { signal: controller.signal }));
    expect(stopped.state).toBe('interrupted');
    expect(stopped.error).toBeNull();
    if (stopped.state !== 'interrupted') return;
    expect(stopped.interruption).toMatchObject({ phase: 'deploy', services: 300 });
    expect(stopped.interruption.hint).toBe(`continue with gwscale run --resume ${c.outDir}`);
    const before = readRunLog(stopped.runLogPath);
    expect(before.at(-1)).toMatchObject({ type: 'run-end', state: 'interrupted' });

    const point = resumePointOf(before);
    expect(point).toMatchObject({ services: 200, roundsDone: 2, finished: false });
    const resumed = await runScale(c, deps(new FakeGateway(), c, { resume: point, priorRows: roundsOf(before) }));
    expect(resumed.state).toBe('completed');
    const log = records(c.outDir);
    expect(log.filter((r) => r.type === 'run-start')).toHaveLength(1);
    expect(log.filter((r) => r.type === 'resume')).toMatchObject([{ services: 200 }]);
    expect(rowsOf(log).map((r) => `${r.event} ${r.services}`)).toEqual([
      'round 0',
      'round 100',
      'round 200',
      'restart 200',
      'round 300',
      'round 400',
      'redeploy 400',
    ]);
    expect(
      roundsOf(log)
        .filter((r) => r.resumed === true)
        .map((r) => r.event),
    ).toEqual(['restart']);
    expect(roundsOf(log).map((r) => r.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
