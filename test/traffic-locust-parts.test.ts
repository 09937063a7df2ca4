/**
 * The parts of the Locust engine that need no Locust: reading its version (Debian's build prints
 * none), the generated locustfile's embedded requests, and folding a master's totals file.
 */
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../src/traffic/latency-histogram.js';
import { renderLocustfile } from '../src/traffic/locust/locustfile.js';
import { foldLocustTotals, withTargetCount, type LocustTotalsFile, type WorkerReport } from '../src/traffic/locust/totals.js';
import { isSupportedLocust, parseLocustVersion } from '../src/traffic/locust/version.js';
import { GwscaleError } from '../src/errors.js';
import { validateTrafficOptions, type TrafficOptions } from '../src/traffic/options.js';
import { baseTrafficOptions } from './helpers/traffic-options.js';

describe('Locust version', () => {
  it("reads `locust --version`, and none from Debian's empty one", () => {
    expect(parseLocustVersion('locust 2.12.1\n')).toBe('2.12.1');
    expect(parseLocustVersion('locust 2.29.0 from /usr/lib/python3/dist-packages/locust (python 3.12.3)')).toBe('2.29.0');
    expect(parseLocustVersion('locust \n')).toBeNull();
    expect(isSupportedLocust('2.12.1')).toBe(true);
    expect(isSupportedLocust('2.11.9')).toBe(false);
    expect(isSupportedLocust('3.0')).toBe(true);
    expect(isSupportedLocust('1.6.0')).toBe(false);
  });
});

describe('the generated locustfile', () => {
  it('embeds the requests as a JSON string literal Python reads back unchanged', () => {
    const body = '<e:Envelope xmlns:e="urn:x">"quoted" \\ back\\slash ${not-a-template} \u00e9</e:Envelope>';
    const text = renderLocustfile({
      host: 'http://127.0.0.1:1',
      targets: [{ name: 'svc GetQuote', path: '/svc', body, headers: { soapaction: '"urn:x#Get"' }, weight: 2 }],
      perUserRatePerSec: null,
      timeoutMs: 2000,
      locustVersion: '2.12.1',
    });
    const literal = /^CONFIG = json\.loads\((".*")\)$/m.exec(text)?.[1];
    expect(literal).toBeDefined();
    // A JSON string literal is a valid Python string literal with the same escapes.
    const config = JSON.parse(JSON.parse(literal ?? '""') as string) as { targets: { body: string; weight: number }[]; locustVersion: string };
    expect(config.targets[0]?.body).toBe(body);
    expect(config.targets[0]?.weight).toBe(2);
    expect(config.locustVersion).toBe('2.12.1');
    expect(text).toContain('locust.runners.__version__ = CONFIG["locustVersion"]');
  });
});

const report = (over: Partial<WorkerReport> & { requests: number }): WorkerReport => ({
  final: true,
  host: 'loadgen-1',
  pid: 4242,
  at: 1_000_010,
  cpuSeconds: 3,
  firstRequestAt: 1_000_000,
  cpuSecondsAtFirstRequest: 1,
  totals: { requests: over.requests, ok: over.requests, errors: {}, perTarget: [[over.requests, 0]], latencyUs: { '1500': over.requests } },
  ...over,
});

describe('folding the totals file', () => {
  const context = {
    targets: [{ name: 'svc', path: '/svc', body: '', headers: {}, weight: 1 }],
    targetUrls: ['http://127.0.0.1:1/svc'],
    users: 4,
    requestedRatePerSec: 100,
    locustfile: '/x/locustfile.py',
    expectedWorkers: 2,
    stoppedBySignal: false,
  };

  it('adds the workers, opens the window at the first request, and flags a rate under 95 %', () => {
    const file: LocustTotalsFile = {
      locustVersion: '2.12.1',
      startedAt: 999_999,
      stoppedAt: 1_000_010,
      masterCpuSeconds: 1,
      workers: [
        { id: 'a', state: 'running', cpuPercentMax: 0, report: report({ requests: 400 }) },
        { id: 'b', state: 'running', cpuPercentMax: 0, report: report({ requests: 500, pid: 4243, firstRequestAt: 1_000_000.5 }) },
      ],
    };
    const result = foldLocustTotals(file, context);
    expect(result.completed).toBe(900);
    expect(result.durationMs).toBe(10_000);
    expect(result.throughputPerSec).toBe(90);
    expect(result.locust.achievedRatio).toBe(0.9);
    expect(result.locust.rateShortfall).toBe(true);
    expect(result.warnings[0]).toMatch(/^achieved 90\/s of the 100\/s requested \(90%, under 95%\)/);
    expect(result.locust.perService).toEqual([{ name: 'svc', requests: 900, failures: 0 }]);
    expect(decodeHistogram(result.latencyHistogram).totalCount).toBe(900);
    expect(result.latency.p50Ms).toBe(1.5);
    // CPU: the busier worker, b, used 3 − 1 CPU-s over its 9.5 s of sending (21 %); all processes: 3 + 3 + 1.
    expect(result.headroom.cpuPercentPerThread).toBe(21);
    expect(result.headroom.cpuSeconds).toBe(7);
    expect(result.locust.missingWorkers).toEqual([]);
  });

  it('names a worker without final totals, and a target count that differs', () => {
    const file: LocustTotalsFile = {
      locustVersion: '2.12.1',
      startedAt: 999_999,
      stoppedAt: 1_000_010,
      masterCpuSeconds: 1,
      workers: [
        { id: 'a', state: 'running', cpuPercentMax: 0, report: report({ requests: 400 }) },
        { id: 'vm_b', state: 'missing', cpuPercentMax: 0, report: report({ requests: 120, final: false, pid: 4243, at: 1_000_003 }) },
      ],
    };
    const result = withTargetCount(foldLocustTotals(file, context), 'the SOAP backend', 700);
    expect(result.locust.missingWorkers).toEqual([
      'locust worker vm_b on loadgen-1 (pid 4243) went missing (state missing): its last report was 3.0 s into the run, with 120 requests; what it sent after that is lost',
    ]);
    expect(result.completed).toBe(520);
    expect(result.locust.targetCount).toEqual({ source: 'the SOAP backend', requests: 700, matches: false });
    expect(result.warnings.at(-1)).toMatch(/^the SOAP backend counted 700 requests, Locust 520: requests went uncounted/);
  });
});

describe('--engine locust options', () => {
  const base: TrafficOptions = {
    ...baseTrafficOptions,
    engine: 'locust',
    locust: { workers: 2, expectWorkers: 2, expectWorkersWaitMs: 60_000, masterBind: '127.0.0.1', dir: null },
  };
  const refusal = (o: TrafficOptions): string => {
    try {
      validateTrafficOptions(o);
    } catch (error) {
      if (error instanceof GwscaleError && error.kind === 'usage') return error.message;
      throw error;
    }
    return 'accepted';
  };

  it('runs burst and rate, and refuses what Locust cannot do, naming the flag', () => {
    expect(refusal(base)).toBe('accepted');
    expect(refusal({ ...base, mode: 'rate', ratePerSec: 100, httpClient: 'undici' })).toBe('accepted');
    expect(refusal({ ...base, mode: 'soak', ratePerSec: 100 })).toBe('--engine locust runs --mode burst or rate, not soak');
    expect(refusal({ ...base, requests: 500 })).toBe('--requests does not apply to --engine locust: its run is bounded by --duration');
    expect(refusal({ ...base, warmup: { durationMs: 1000 } })).toBe('--warmup does not apply to --engine locust');
    expect(refusal({ ...base, workers: 2 })).toMatch(/^--workers sets gwscale's sending threads/);
    expect(refusal({ ...base, locust: { ...base.locust!, expectWorkers: 1 } })).toBe('--expect-workers 1 is fewer than --locust-workers 2 started here');
    expect(refusal({ ...base, connections: 1 })).toBe('--connections 1 is fewer than the 2 Locust workers: each needs at least one user');
    expect(refusal({ ...base, engine: 'gwscale' })).toMatch(/apply to --engine locust$/);
  });
});
