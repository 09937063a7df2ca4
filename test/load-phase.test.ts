/**
 * The traffic phase's plan (`--load-steps`, `--load-repeats`): the planned steps in order, then
 * repeats of their highest concurrency — a fixed count, or one at a time while the sequential
 * traffic test says `continue`, each look recorded. Real closed-loop traffic against an echo backend
 * in the test process; the phase's context (measure, run log) is the test's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadSequentialDecision, LoadSequentialState } from '../src/analysis/sequential.js';
import { runConfigOf } from '../src/driver/config.js';
import type { RunEvent } from '../src/driver/events.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import { loadPhase, type LoadPhaseConfig } from '../src/driver/load-phase.js';
import type { PhaseContext } from '../src/driver/scale-run.js';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import type { LoadSequentialRecord } from '../src/run-log/records.js';
import type { Round } from '../src/run-log/round.js';
import { startEchoBackend, type EchoBackend } from './helpers/echo-backend.js';
import { roundRow } from './helpers/round.js';

let backend: EchoBackend;
beforeAll(async () => {
  backend = await startEchoBackend();
});
afterAll(() => backend.close());

interface PhaseRun {
  readonly rows: Round[];
  readonly records: LoadSequentialRecord[];
  readonly events: RunEvent[];
  /** What the stub decision was asked: repeats and MAX of each look. */
  readonly looks: [number, number][];
}

/** Runs the phase with its traffic sent straight to the echo backend (the adapter maps nothing). */
async function runPhase(config: Partial<LoadPhaseConfig>, decisions: readonly LoadSequentialState[] = []): Promise<PhaseRun> {
  const catalog = createServiceCatalog(runConfigOf({ services: 2 }, '/unused'), backend.url);
  const adapter = { requestUrl: (_service: unknown, address: string) => address } as unknown as GatewayAdapter;
  const run: PhaseRun = { rows: [], records: [], events: [], looks: [] };
  const context: PhaseContext = {
    adapter,
    services: 2,
    signal: undefined,
    measure: (event, extra) => {
      const row = roundRow(run.rows.length, event, 2, 1_000_000, {
        elapsedMs: extra.elapsedMs ?? null,
        concurrency: extra.concurrency ?? null,
        ...(extra.requests === undefined ? {} : { requests: extra.requests }),
      });
      run.rows.push(row);
      return Promise.resolve(row);
    },
    guarded: (_phase, work) => work(),
    emit: (event) => run.events.push(event),
    rows: () => run.rows,
    record: (decision) => run.records.push(decision),
  };
  const decide = (_rows: readonly Round[], repeats: number, max: number): LoadSequentialDecision => {
    run.looks.push([repeats, max]);
    return { state: decisions[repeats] ?? 'continue', repeats, reason: `stub look ${repeats}` };
  };
  const phase = loadPhase({ steps: [2, 4, 2], stepMs: 150, idleMs: 0, services: 2, requestTimeoutMs: 5_000, ...config }, catalog, { decide });
  await phase(context);
  return run;
}

const concurrencies = (run: PhaseRun): (number | null)[] => run.rows.map((r) => r.concurrency);

describe('the traffic phase', () => {
  it('runs the planned steps in order, one load row each with the requests served, and asks nothing', async () => {
    const run = await runPhase({});
    expect(concurrencies(run)).toEqual([2, 4, 2]);
    expect(run.rows.every((r) => r.event === 'load' && (r.requests ?? 0) > 0)).toBe(true);
    expect(run.looks).toEqual([]);
    expect(run.records).toEqual([]);
  });

  it('adds a fixed count of repeats at the highest planned concurrency', async () => {
    const run = await runPhase({ repeats: 2 });
    expect(concurrencies(run)).toEqual([2, 4, 2, 4, 4]);
    expect(run.looks).toEqual([]);
  });

  it('auto: looks after the planned steps and after each repeat, and stops at the first decision', async () => {
    const run = await runPhase({ repeats: { mode: 'auto', max: 5 } }, ['continue', 'continue', 'leak']);
    expect(concurrencies(run)).toEqual([2, 4, 2, 4, 4]);
    expect(run.looks).toEqual([
      [0, 5],
      [1, 5],
      [2, 5],
    ]);
    expect(run.records.map((r) => [r.type, r.repeats, r.max, r.state])).toEqual([
      ['load-sequential', 0, 5, 'continue'],
      ['load-sequential', 1, 5, 'continue'],
      ['load-sequential', 2, 5, 'leak'],
    ]);
    expect(run.events.filter((e) => e.type === 'load-sequential')).toHaveLength(3);
  });

  it('auto: a decision at the first look adds no repeat; an undecided test stops at MAX', async () => {
    const decided = await runPhase({ repeats: { mode: 'auto', max: 5 } }, ['healthy']);
    expect(concurrencies(decided)).toEqual([2, 4, 2]);
    expect(decided.records.map((r) => r.state)).toEqual(['healthy']);
    const undecided = await runPhase({ repeats: { mode: 'auto', max: 2 } });
    expect(concurrencies(undecided)).toEqual([2, 4, 2, 4, 4]);
    expect(undecided.records.map((r) => [r.repeats, r.state])).toEqual([
      [0, 'continue'],
      [1, 'continue'],
      [2, 'continue'],
    ]);
  });
});
