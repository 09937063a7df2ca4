/**
 * The verdicts on real reference-gateway runs: retain-configs is a leak from its first rounds,
 * healthy is not and its memory per service matches an independent measurement, operation-pool is
 * concurrency retention, request-leak is a leak under traffic (at the bytes per request it keeps),
 * and healthy under the same traffic is neither; `--load-repeats auto` stops at the decision.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRounds } from '../src/analysis/analysis.js';
import type { Round } from '../src/run-log/round.js';
import { ExitCode } from '../src/exit-codes.js';
import { createReferenceAdapter } from '../src/gateways/reference/index.js';
import { spawnBackend } from '../src/backend/index.js';
import { startWsdlServer } from '../src/driver/wsdl-server.js';
import { createServiceCatalog } from '../src/driver/generated-catalog.js';
import type { ServiceCatalog } from '../src/driver/service-catalog.js';
import { gwscale } from './helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'gwscale-verdicts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface ReportLike {
  verdict: { kind: string; leak: boolean; decidedBy: string | null; reasons: { rule: string; numbers: Record<string, number | null> }[] };
  sequentialLoadRepeats: { repeats: number; max: number; decided: string | null } | null;
  rounds: Round[];
  perServiceBytes: number | null;
  bytesPerConcurrency: number | null;
}

const readReport = (dir: string): ReportLike => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as ReportLike;

/** A report row cut back to what the driver measured, so part of a run can be analysed again on its own. */
function measured(row: Round): Round {
  const { index, event, services, memoryBytes, memorySource, afterGc, rssBytes, peakBytes, preDeployBytes, registerMs, deployMs, elapsedMs, concurrency } = row;
  return {
    index,
    event,
    services,
    memoryBytes,
    memorySource,
    afterGc,
    rssBytes,
    peakBytes,
    preDeployBytes,
    registerMs,
    deployMs,
    elapsedMs,
    concurrency,
    ...(row.readingsBytes === undefined ? {} : { readingsBytes: row.readingsBytes }),
    ...(row.peakSource === undefined ? {} : { peakSource: row.peakSource }),
    ...(row.requests === undefined ? {} : { requests: row.requests }),
  };
}

/** Heap after GC of a freshly started reference gateway holding `services` deployed services. */
async function freshGatewayHeap(services: number, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let catalog: ServiceCatalog | null = null;
  const wsdl = await startWsdlServer(
    (i) => catalog?.serviceAt(i),
    (name) => catalog?.indexOf(name),
  );
  const backend = await spawnBackend({ wsdlBaseUrl: wsdl.url });
  catalog = createServiceCatalog({ services, wsdlVersion: '1.1', wsdlDir: null, seed: 1 }, backend.url);
  const adapter = createReferenceAdapter({
    workDir: dir,
    profile: 'healthy',
    heapMb: null,
    wsdlBaseUrl: wsdl.url,
    backendUrl: backend.url,
    callTimeoutMs: 60_000,
    credentials: { user: 'u', password: 'independent-measure' },
    log: () => undefined,
  });
  try {
    await adapter.start();
    for (let i = 0; i < services; i++) await adapter.register(catalog.serviceAt(i));
    if (services > 0) expect((await adapter.deploy()).state).toBe('deployed');
    // A fresh process loading the deployed configuration holds only the live set.
    await adapter.restart();
    const readings = [];
    for (let i = 0; i < 3; i++) readings.push((await adapter.liveMemory()).bytes);
    return Math.min(...readings);
  } finally {
    await adapter.stop();
    await backend.stop();
    await wsdl.close();
  }
}

describe('verdicts on the real reference gateway', () => {
  it('retain-configs is a leak, and already from its first 4 rounds of a 10-round run', async () => {
    const out = join(root, 'retain');
    const r = await gwscale(['run', '--profile', 'retain-configs', '--services', '500', '--batch', '50', '--verify', 'none', '--out', out]);
    expect(r.code).toBe(ExitCode.Leak);
    const report = readReport(out);
    expect(report.verdict.kind).toBe('leak');
    const rounds = report.rounds.filter((x) => x.event === 'round');
    expect(rounds.filter((x) => x.services > 0)).toHaveLength(10);
    // The fresh start plus the first four rounds, analysed alone.
    const firstFour = report.rounds.slice(0, 5).map(measured);
    expect(firstFour.map((x) => x.services)).toEqual([0, 50, 100, 150, 200]);
    expect(analyzeRounds(firstFour).verdict.kind).toBe('leak');
  });

  it('healthy is not a leak, and its memory per service is within 20% of an independent measurement', async () => {
    const out = join(root, 'healthy');
    // Rounds alone cannot prove absence (docs/analysis.md): the sequential test redeploys until it decides.
    const r = await gwscale(['run', '--profile', 'healthy', '--services', '500', '--batch', '50', '--redeploys', 'auto', '--verify', 'none', '--out', out]);
    expect(r.code).toBe(ExitCode.Ok);
    const report = readReport(out);
    expect(report.verdict.leak).toBe(false);
    expect(['healthy', 'bounded-retention']).toContain(report.verdict.kind);
    const loaded = await freshGatewayHeap(500, join(root, 'fresh-500'));
    const empty = await freshGatewayHeap(0, join(root, 'fresh-0'));
    const independent = (loaded - empty) / 500;
    console.log(
      `healthy: verdict ${report.verdict.kind}, perServiceBytes ${report.perServiceBytes} vs independent ${Math.round(independent)} (fresh 500: ${loaded}, fresh 0: ${empty})`,
    );
    expect(report.perServiceBytes).not.toBeNull();
    expect(Math.abs((report.perServiceBytes ?? 0) - independent) / independent).toBeLessThan(0.2);
  });
});

describe('a real out-of-memory crash', () => {
  it('retain-configs on a 96 MiB heap crashes inside the interval predicted from the rounds up to three quarters of the crash', async () => {
    const out = join(root, 'crash');
    const r = await gwscale([
      'run',
      '--profile',
      'retain-configs',
      '--services',
      '1500',
      '--batch',
      '50',
      '--gateway-heap-mb',
      '96',
      '--verify',
      'none',
      '--out',
      out,
    ]);
    expect(r.code).toBe(ExitCode.GatewayCrashed);
    const report = readReport(out);
    const crash = report.rounds.find((x) => x.event === 'crash');
    expect(crash).toBeDefined();
    const before = report.rounds.filter((x) => x.event !== 'crash' && x.services <= 0.75 * crash!.services).map(measured);
    const a = analyzeRounds(before, { heapMaxBytes: 96 * 1024 * 1024 });
    console.log(
      `crash at ${crash!.services}; from ${before.length} rows up to ${before[before.length - 1]?.services}: predicted ${a.predictedOomServices} ${JSON.stringify(a.predictedOomInterval)}`,
    );
    expect(a.verdict.kind).toBe('leak');
    expect(a.estimates.prediction.reachedInData).toBe(false);
    const [low, high] = a.predictedOomInterval!;
    expect(low!).toBeLessThanOrEqual(crash!.services);
    expect(high ?? Infinity).toBeGreaterThanOrEqual(crash!.services);
    // The point itself is held exactly (400) on a recorded run of this scenario, where it cannot
    // flake: test/analysis-field.test.ts.
  });
});

describe('the concurrency phase', () => {
  const planned = [10, 40, 20, 80, 80, 30];
  const steps = ['--load-steps', planned.join(','), '--load-repeats', 'auto', '--backend-latency-ms', '200', '--load-step-ms', '2500'];
  const loadsOf = (report: ReportLike): Round[] => report.rounds.filter((x) => x.event === 'load');

  it('operation-pool comes out concurrency-retention, with bytes per unit of concurrency', async () => {
    const out = join(root, 'pool');
    const r = await gwscale(['run', '--profile', 'operation-pool', '--services', '200', '--batch', '50', '--verify', 'none', ...steps, '--out', out]);
    const report = readReport(out);
    const loads = loadsOf(report);
    // The planned steps, then repeats of the highest until the traffic test decided. The highest
    // in-flight count of each step is what the clients reached.
    expect(loads.map((x) => x.concurrency)).toEqual([...planned, ...Array<number>(loads.length - planned.length).fill(80)]);
    expect(loads.every((x) => (x.requests ?? 0) > 0)).toBe(true);
    expect(report.sequentialLoadRepeats?.decided).toBe('concurrency-retention');
    expect(loads.length - planned.length).toBe(report.sequentialLoadRepeats?.repeats);
    expect(report.verdict.kind).toBe('concurrency-retention');
    expect(r.code).toBe(ExitCode.ConcurrencyRetention);
    expect(report.bytesPerConcurrency).toBeGreaterThan(10 * 1024);
  });

  it('request-leak comes out leak from the traffic test, at the bytes each request keeps', async () => {
    const out = join(root, 'request-leak');
    const r = await gwscale(['run', '--profile', 'request-leak', '--services', '200', '--batch', '50', '--verify', 'none', ...steps, '--out', out]);
    const report = readReport(out);
    expect(report.verdict.kind).toBe('leak');
    expect(report.verdict.decidedBy).toBe('concurrency');
    expect(r.code).toBe(ExitCode.Leak);
    expect(report.sequentialLoadRepeats?.decided).toBe('leak');
    // The gateway keeps a 4 KiB record (512 doubles) plus the request body and its bookkeeping per request.
    const perRequest = report.verdict.reasons.find((x) => x.rule === 'concurrency')?.numbers['leakBytesPerRequest'];
    expect(perRequest).toBeGreaterThan(4 * 1024);
    expect(perRequest).toBeLessThan(6 * 1024);
  });

  it('healthy under the same traffic is neither a pool nor a leak', async () => {
    const out = join(root, 'pool-healthy');
    const r = await gwscale(['run', '--profile', 'healthy', '--services', '200', '--batch', '50', '--verify', 'none', ...steps, '--out', out]);
    const report = readReport(out);
    expect(loadsOf(report).length).toBeGreaterThanOrEqual(planned.length);
    expect(report.sequentialLoadRepeats?.decided).not.toBe('leak');
    expect(report.sequentialLoadRepeats?.decided).not.toBe('concurrency-retention');
    expect(report.verdict.kind).not.toBe('concurrency-retention');
    expect(report.verdict.leak).toBe(false);
    expect(r.code).toBe(ExitCode.Ok);
  });
});
