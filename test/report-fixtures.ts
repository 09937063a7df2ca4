/**
 * Synthetic run logs for report and compare tests: the records `gwscale run` writes, with memory
 * that behaves like the reference gateway's profiles (healthy, retain-configs, operation-pool).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Round, RoundEvent } from '../src/run-log/round.js';
import type { RunRecord } from '../src/run-log/records.js';

const KiB = 1024;
const MiB = 1024 * KiB;

export interface SyntheticRun {
  readonly profile: 'healthy' | 'retain-configs' | 'operation-pool';
  readonly services?: number;
  readonly batch?: number;
  readonly restartAt?: readonly number[];
  readonly redeploys?: number;
  /** Live-set bytes each service costs. */
  readonly perServiceBytes?: number;
  /** Seed of the deterministic noise (±0.3 % of the reading). */
  readonly seed?: number;
  /** Traffic steps after the last round (operation-pool runs get 1, 8, 32, 8, 32, 1 by default). */
  readonly loadSteps?: readonly number[];
  /** Crash (OutOfMemoryError-style) during the deploy at this service count. */
  readonly crashAt?: number;
  /** A service name with markup in it, to test escaping. */
  readonly hostileName?: string;
  readonly version?: string;
}

/** Deterministic noise in [-1, 1] (a small LCG; the same seed gives the same run). */
function noise(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

const at = (ms: number): string => new Date(Date.UTC(2025, 0, 2, 10, 0, 0) + ms).toISOString();

/** The records of a run, in the order the driver appends them. */
export function syntheticRunLog(spec: SyntheticRun): RunRecord[] {
  const services = spec.services ?? 800;
  const batch = spec.batch ?? 100;
  const restartAt = spec.restartAt ?? (spec.profile === 'retain-configs' ? [400] : []);
  const redeploys = spec.redeploys ?? 4;
  const perService = spec.perServiceBytes ?? 160 * KiB;
  const rand = noise(spec.seed ?? 7);
  const baseBytes = 38 * MiB;
  const records: RunRecord[] = [];
  let t = 0;
  let index = 0;
  let retainedServices = 0;
  let active = 0;
  let poolConcurrency = 0;
  const settings = {
    target: 'reference',
    profile: spec.profile,
    services,
    batch,
    concurrency: 8,
    restartAt,
    redeploys,
    gatewayHeapMb: 512,
    heapMaxBytes: null,
    wsdlVersion: '1.1',
    wsdlDir: null,
    seed: spec.seed ?? 7,
    outDir: '/tmp/run',
    verify: 'all',
    callTimeoutMs: 120000,
    sampleIntervalMs: 20,
    backendLatencyMs: 0,
  };
  records.push({
    type: 'run-start',
    schema: 1,
    at: at(0),
    harnessVersion: '0.1.0',
    nodeVersion: 'v20.0.0',
    target: 'reference',
    profile: spec.profile,
    settings,
  });
  const version = spec.version ?? 'gwscale-reference 0.1.0';
  records.push({ type: 'gateway-start', at: at(500), version, pid: 4242, reason: 'start', startMs: 480 });
  const live = (n: number): number => {
    const pool = poolConcurrency * 8 * KiB * (n / 10);
    const exact = baseBytes + perService * n + (spec.profile === 'retain-configs' ? perService * 0.9 * retainedServices : 0) + pool;
    return Math.round(exact * (1 + 0.003 * rand()));
  };
  const row = (event: RoundEvent, n: number, extra: Partial<Round> = {}): Round => {
    const memoryBytes = live(n);
    return {
      index: index++,
      event,
      services: n,
      memoryBytes,
      memorySource: 'v8-heap-after-gc',
      afterGc: true,
      rssBytes: Math.round(memoryBytes * 1.35 + 30 * MiB),
      peakBytes: null,
      preDeployBytes: null,
      registerMs: null,
      deployMs: null,
      elapsedMs: null,
      concurrency: null,
      ...extra,
    };
  };
  const pushRound = (r: Round): void => {
    records.push({ type: 'round', round: r });
  };
  pushRound(row('round', 0, { elapsedMs: 40 }));
  const deploy = (round: number, n: number): { deployMs: number; peakBytes: number; preDeployBytes: number } | null => {
    const before = live(n);
    const preDeployBytes = Math.round(before * 1.35 + 30 * MiB);
    const configBytes = perService * n;
    if (spec.crashAt !== undefined && n >= spec.crashAt) return null;
    const peakBytes = preDeployBytes + Math.round(configBytes * 1.9);
    const deployMs = Math.round(30 + 0.9 * n + 0.0004 * n * n * (1 + 0.02 * rand()));
    for (let k = 0; k < 3; k++)
      records.push({
        type: 'sample',
        t: t + k * 20,
        phase: 'deploy',
        services: n,
        source: 'rss',
        bytes: Math.round(preDeployBytes + ((k + 1) / 3) * (peakBytes - preDeployBytes)),
      });
    records.push({ type: 'deploy', round, services: n, state: 'deployed', ms: deployMs });
    retainedServices += active;
    active = n;
    return { deployMs, peakBytes, preDeployBytes };
  };
  let registered = 0;
  let round = 0;
  let crashed = false;
  for (let to = Math.min(batch, services); to <= services && !crashed; to = to === services ? services + 1 : Math.min(to + batch, services)) {
    round++;
    const from = registered;
    const registerMs = Math.round(12 * (to - from) * (1 + 0.05 * rand()));
    t += registerMs;
    const failures = spec.hostileName !== undefined && round === 1 ? [`${spec.hostileName}: HTTP 500`] : [];
    records.push({
      type: 'register',
      round,
      from,
      to,
      ms: registerMs,
      operations: (to - from) * 3,
      attachedPolicies: (to - from) * 6,
      failed: failures.length,
      failures,
    });
    registered = to;
    const d = deploy(round, to);
    if (d === null) {
      crashed = true;
      const lastRow = records.filter((r): r is Extract<RunRecord, { type: 'round' }> => r.type === 'round').at(-1)?.round;
      records.push({
        type: 'crash',
        at: at(t),
        services: to,
        phase: 'deploy',
        exit: {
          exitCode: 134,
          signal: null,
          stderrTail: ['<--- Last few GCs --->', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', spec.hostileName ?? ''],
        },
      });
      pushRound({
        ...row('crash', to),
        memoryBytes: lastRow?.memoryBytes ?? 0,
        afterGc: false,
        rssBytes: null,
        peakBytes: Math.round((lastRow?.memoryBytes ?? 0) * 2.4),
      });
      break;
    }
    t += d.deployMs;
    pushRound(row('round', to, { registerMs, ...d, elapsedMs: registerMs + d.deployMs + 150 }));
    records.push({
      type: 'listing',
      services: to,
      expected: { serviceGroups: to, services: to, operations: to * 3, circuits: to * 3, attachedPolicies: to * 6 },
      actual: { serviceGroups: to, services: to, operations: to * 3, circuits: to * 3, attachedPolicies: to * 6 },
      matches: true,
    });
    records.push({ type: 'verify', services: to, checked: to, failed: 0, failures: [] });
    if (restartAt.includes(to)) {
      retainedServices = 0;
      records.push({ type: 'gateway-start', at: at(t), version, pid: 4243, reason: 'restart', startMs: 510 });
      pushRound(row('restart', to, { elapsedMs: 900 }));
    }
  }
  if (!crashed) {
    for (let r = 1; r <= redeploys; r++) {
      const d = deploy(round + r, registered);
      if (d === null) break;
      t += d.deployMs;
      pushRound(row('redeploy', registered, { ...d, elapsedMs: d.deployMs + 120 }));
    }
    const steps = spec.loadSteps ?? (spec.profile === 'operation-pool' ? [1, 8, 32, 8, 32, 1] : []);
    for (const c of steps) {
      if (spec.profile === 'operation-pool') poolConcurrency = Math.max(poolConcurrency, c);
      pushRound(row('load', registered, { concurrency: c, elapsedMs: 5000 }));
    }
  }
  records.push({
    type: 'run-end',
    at: at(t + 1000),
    state: crashed ? 'crashed' : 'completed',
    overhead: { harnessCpuSeconds: 3.2, gatewayCpuSeconds: 9.5 },
    wallSeconds: (t + 1000) / 1000,
    samplesTaken: records.filter((r) => r.type === 'sample').length,
  });
  return records;
}

/** Writes `run.jsonl` for the records into `dir` (created). */
export function writeRunFolder(dir: string, records: readonly RunRecord[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'run.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return dir;
}
