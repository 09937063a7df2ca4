/**
 * A synthetic run log (`run.jsonl` text) of any number of measurement rows, deterministic from a
 * seed: rounds of a gateway that keeps `retainedPerServiceBytes` per service, with noise, a deploy
 * peak, a restart in the middle and redeploys at the end, and deploy samples. Pure: text out.
 */
import type { Round } from '../../src/run-log/round.js';
import { RUN_LOG_SCHEMA, type RunRecord } from '../../src/run-log/records.js';

export interface SyntheticLogOptions {
  /** Measurement rows in all (round, restart and redeploy rows). */
  readonly rows: number;
  readonly batch: number;
  readonly baseBytes: number;
  readonly retainedPerServiceBytes: number;
  /** Noise amplitude of each reading, in bytes. */
  readonly noiseBytes: number;
  readonly redeploys: number;
  /** Deploy samples written before each round row. */
  readonly samplesPerDeploy: number;
  readonly seed: number;
}

/** A small deterministic PRNG (mulberry32): the same seed gives the same log. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The records of a synthetic run, run-start to run-end. */
export function syntheticRunRecords(o: SyntheticLogOptions): RunRecord[] {
  const next = random(o.seed);
  // Rows: the first reading, the rounds, one restart, the redeploys.
  const rounds = o.rows - o.redeploys - 2;
  const restartAfter = Math.floor(rounds / 2);
  const records: RunRecord[] = [
    {
      type: 'run-start',
      schema: RUN_LOG_SCHEMA,
      at: '2024-01-01T00:00:00.000Z',
      harnessVersion: 'bench',
      nodeVersion: process.version,
      target: 'reference',
      profile: 'retain-configs',
      settings: {
        target: 'reference',
        profile: 'retain-configs',
        services: rounds * o.batch,
        batch: o.batch,
        concurrency: 8,
        redeploys: o.redeploys,
        gatewayHeapMb: 4096,
        verify: 'none',
        sampleIntervalMs: 20,
      },
    },
    { type: 'gateway-start', at: '2024-01-01T00:00:00.000Z', version: 'bench', pid: 1, reason: 'start', startMs: 500 },
  ];
  let index = 0;
  let t = 0;
  let samplesTaken = 0;
  const row = (event: Round['event'], services: number, extraBytes: number): Round => {
    const memoryBytes = Math.round(o.baseBytes + services * o.retainedPerServiceBytes + extraBytes + (next() - 0.5) * o.noiseBytes);
    return {
      index: index++,
      event,
      services,
      memoryBytes,
      memorySource: 'v8-heap-after-gc',
      afterGc: true,
      rssBytes: Math.round(memoryBytes * 1.4),
      peakBytes: event === 'restart' ? null : Math.round(memoryBytes * 2.1),
      preDeployBytes: event === 'restart' ? null : Math.round(memoryBytes * 1.3),
      registerMs: event === 'round' && services > 0 ? 1000 : null,
      deployMs: event === 'restart' ? null : 300 + services / 10,
      elapsedMs: 1500,
      concurrency: null,
    };
  };
  const push = (r: Round): void => {
    for (let s = 0; s < o.samplesPerDeploy && r.peakBytes !== null; s++) {
      t += 20;
      samplesTaken++;
      records.push({
        type: 'sample',
        t,
        phase: 'deploy',
        services: r.services,
        source: 'rss',
        bytes: Math.round(r.peakBytes * (0.6 + (0.4 * s) / o.samplesPerDeploy)),
      });
    }
    records.push({ type: 'round', round: r });
  };
  let services = 0;
  push(row('round', 0, 0));
  for (let i = 1; i <= rounds; i++) {
    services += o.batch;
    push(row('round', services, 0));
    if (i === restartAfter) push(row('restart', services, 0));
  }
  for (let r = 0; r < o.redeploys; r++) push(row('redeploy', services, (r + 1) * services * 64));
  records.push({
    type: 'run-end',
    at: '2024-01-01T01:00:00.000Z',
    state: 'completed',
    overhead: { harnessCpuSeconds: 1, gatewayCpuSeconds: 10 },
    wallSeconds: 3600,
    samplesTaken,
  });
  return records;
}

/** The records as run.jsonl text. */
export function syntheticRunLog(o: SyntheticLogOptions): string {
  return (
    syntheticRunRecords(o)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n'
  );
}
