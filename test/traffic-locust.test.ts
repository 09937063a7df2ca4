/**
 * Locust as the traffic engine, for real: the reference gateway (its own process) with registered
 * services, a Locust master and two workers on loopback (Debian's python3-locust, whose empty
 * version the locustfile works around), totals checked against the backend's own request count,
 * and a worker killed mid-run that must be named and fail the run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLocust, type LocustRequest } from '../src/traffic/locust/run.js';
import type { LocustTrafficResult } from '../src/traffic/locust/totals.js';
import { soapRequestsFor } from '../src/gateways/soap-probe.js';
import { parseWsdl } from '../src/wsdl/index.js';
import { startHarness, type Harness } from './reference-harness.js';
import { tempDir } from './helpers/temp-dir.js';
import { gwscale } from './helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { records } from './helpers/run-log.js';

const SERVICES = 3;

const readOr = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/** The PID of a Locust worker the gwscale process `pid` started, once its master log says the users run. */
async function runningWorkerPid(pid: number, masterLog: string): Promise<number> {
  for (let i = 0; i < 600 && !readOr(masterLog).includes('Run time limit set to'); i++) await sleep(100);
  const children = readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readOr(`/proc/${pid}/task/${task}/children`)
      .trim()
      .split(/\s+/)
      .filter((c) => c !== ''),
  );
  const worker = children.find((c) => readOr(`/proc/${c}/cmdline`).split('\0').includes('--worker'));
  if (worker === undefined) throw new Error(`no locust worker among the children of ${pid}`);
  return Number(worker);
}
const dir = tempDir('gwscale-locust-');

describe('Locust master and workers through the reference gateway', () => {
  let h: Harness;
  const requests: LocustRequest[] = [];

  beforeAll(async () => {
    h = await startHarness({ profile: 'healthy', version: 'mixed' });
    await h.adapter.start();
    await h.registerRange(0, SERVICES);
    expect((await h.adapter.deploy()).state).toBe('deployed');
    for (let i = 0; i < SERVICES; i++) {
      const spec = h.spec(i);
      for (const r of soapRequestsFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName)) {
        // The first service gets twice the share of the others.
        requests.push({
          url: h.adapter.requestUrl(spec, r.address),
          body: r.body,
          headers: r.headers,
          name: `${spec.serviceName} ${r.operation}`,
          weight: i === 0 ? 2 : 1,
        });
      }
    }
  });
  afterAll(async () => {
    await h?.close();
  });

  const options = (sub: string) => ({
    requests,
    users: 4,
    durationMs: 6_000,
    timeoutMs: 2_000,
    localWorkers: 2,
    expectWorkers: 2,
    expectWorkersWaitMs: 30_000,
    masterBind: '127.0.0.1',
    allowRemote: false,
    dir: `${dir}/${sub}`,
  });

  it('counts exactly what the backend answered, per service, and reports requested vs achieved rate', async () => {
    const before = h.backend.requests();
    const result = await runLocust({ ...options('whole'), ratePerSec: 150 });
    const answered = h.backend.requests() - before;
    expect(result.engine).toBe('locust');
    expect(result.locust.missingWorkers).toEqual([]);
    expect(result.locust.workers).toHaveLength(2);
    expect(result.locust.workers.every((w) => w.reportedFinalTotals && w.requests > 0)).toBe(true);
    expect(result.completed).toBeGreaterThan(100);
    expect(result.completed).toBe(answered);
    expect(result.ok + Object.values(result.errors).reduce((a, b) => a + b, 0)).toBe(result.completed);
    expect(result.locust.perService.reduce((sum, s) => sum + s.requests, 0)).toBe(result.completed);
    expect(result.locust.perService.every((s) => s.requests > 0)).toBe(true);
    // Weights: the first service's operations got about twice the requests of another's.
    const first = result.locust.perService[0]?.requests ?? 0;
    const last = result.locust.perService.at(-1)?.requests ?? 0;
    expect(first / last).toBeGreaterThan(1.5);
    expect(first / last).toBeLessThan(2.5);
    expect(result.requestedRatePerSec).toBe(150);
    expect(result.locust.achievedRatio).toBeCloseTo(result.throughputPerSec / 150, 2);
    expect(result.latency.count).toBe(result.completed - result.errors.connect);
    expect(result.locust.version).toMatch(/^2\.\d+/);
  });

  it('gwscale traffic --engine locust: a worker killed mid-run is named and fails the run (exit 7)', async () => {
    const first = requests[0];
    if (first === undefined) throw new Error('no requests');
    const bodyFile = `${dir}/killed-request.xml`;
    writeFileSync(bodyFile, first.body);
    const locustDir = `${dir}/killed`;
    let killed = 0;
    const before = h.backend.requests();
    const r = await gwscale(
      [
        'traffic',
        '--url',
        first.url,
        '--body',
        bodyFile,
        '--engine',
        'locust',
        '--locust-workers',
        '2',
        '-c',
        '4',
        '-d',
        '6s',
        '--timeout',
        '2s',
        '--skip-probe',
        '--locust-dir',
        locustDir,
        '--json',
      ],
      {
        timeoutMs: 90_000,
        onStart: (child) => {
          void (async () => {
            // Once the users run, kill one worker 3.5 s into the 6: it has reported at start and sent since.
            killed = await runningWorkerPid(child.pid as number, `${locustDir}/master.log`);
            setTimeout(() => process.kill(killed, 'SIGKILL'), 3_500);
          })();
        },
      },
    );
    const answered = h.backend.requests() - before;
    expect(r.code).toBe(7);
    expect(killed).toBeGreaterThan(0);
    expect(r.stderr).toMatch(new RegExp(`^gwscale traffic: locust worker \\S+ on \\S+ \\(pid ${killed}\\) went missing`, 'm'));
    const result = JSON.parse(r.stdout) as LocustTrafficResult;
    expect(result.locust.missingWorkers).toHaveLength(1);
    expect(result.locust.workers.filter((w) => !w.reportedFinalTotals).map((w) => w.pid)).toEqual([killed]);
    expect(result.warnings[0]).toBe(result.locust.missingWorkers[0]);
    // What the killed worker sent after its last report is lost: the backend saw more.
    expect(answered).toBeGreaterThan(result.completed);
  });

  it('gwscale traffic --engine locust: workers that never come end the run with exit 7 and the worker command', async () => {
    const bodyFile = `${dir}/request.xml`;
    const first = requests[0];
    if (first === undefined) throw new Error('no requests');
    writeFileSync(bodyFile, first.body);
    const { code, stderr } = await gwscale(
      [
        'traffic',
        '--url',
        first.url,
        '--body',
        bodyFile,
        '--engine',
        'locust',
        '--locust-workers',
        '1',
        '--expect-workers',
        '2',
        '--expect-workers-wait',
        '2s',
        '-c',
        '2',
        '-d',
        '2s',
        '--skip-probe',
        '--locust-dir',
        `${dir}/cli`,
      ],
      { timeoutMs: 90_000 },
    );
    expect(code).toBe(7);
    expect(stderr).toMatch(/^gwscale: only 1 of 2 locust workers connected within 2 s \(--expect-workers 2\)$/m);
    expect(stderr).toMatch(/hint: start the missing workers with: locust -f \S+locustfile\.py --worker --master-host 127\.0\.0\.1 --master-port \d+/);
  });
});

describe('gwscale run --traffic-engine locust', () => {
  it("drives the load step with Locust and checks its total against the SOAP backend's count", async () => {
    const out = `${dir}/run`;
    const r = await gwscale(
      [
        'run',
        '--services',
        '4',
        '--batch',
        '4',
        '--readings',
        '1',
        '--load-steps',
        '3',
        '--load-step-ms',
        '2000',
        '--load-idle-ms',
        '200',
        '--traffic-engine',
        'locust',
        '--locust-workers',
        '1',
        '--fail-on',
        'none',
        '--out',
        out,
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    const line = /^load step 1 \(locust 2\.[\d.]+, 1 worker\): (\d+) requests, .*; the SOAP backend counted (\d+) \(the same\)$/m.exec(r.stderr);
    expect(line, r.stderr).not.toBeNull();
    expect(Number(line?.[1])).toBeGreaterThan(0);
    expect(line?.[2]).toBe(line?.[1]);
    const log = records(out);
    expect(log.filter((x) => x.type === 'round' && x.round.event === 'load')).toHaveLength(1);
    const start = log.find((x) => x.type === 'run-start');
    expect(start?.type === 'run-start' ? start.settings.trafficEngine : null).toBe('locust');
  });
});
