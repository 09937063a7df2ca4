/**
 * Each generator against real local servers on loopback, including one that stalls for a second
 * mid-run. Assertions are on structure and on large effects only (no timing thresholds beyond
 * what a one-second stall makes certain).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTraffic, trafficOptionsFor, type TrafficOptions } from '../src/api/traffic.js';
import { GwscaleError } from '../src/errors.js';
import { decodeHistogram, summarizeLatency } from '../src/traffic/latency-histogram.js';
import type { FindMaxResult, SoakTick } from '../src/traffic/result.js';
import { answerOk, SOAP_FAULT, SOAP_OK, startServer, startStallingServer, type TestServer } from './traffic-servers.js';

/**
 * Throughput is completed ÷ the measured window. durationMs is reported in whole ms (off by up to
 * half a ms of a window at least durationMs − 0.5 long) and throughputPerSec to one decimal (off by
 * up to 0.05), so the two may differ by that much and no more.
 */
function expectThroughputOfWindow(result: { throughputPerSec: number; completed: number; durationMs: number }): void {
  const fromReported = (result.completed * 1000) / result.durationMs;
  expect(Math.abs(result.throughputPerSec - fromReported)).toBeLessThanOrEqual((fromReported * 0.5) / (result.durationMs - 0.5) + 0.05);
}

let work: string;
let bodyFile: string;
const servers: TestServer[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gwscale-traffic-test-'));
  bodyFile = join(work, 'request.xml');
  writeFileSync(
    bodyFile,
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:Ping xmlns:ns="urn:test"/></soapenv:Body></soapenv:Envelope>',
  );
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(work, { recursive: true, force: true });
});

async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

function options(url: string, over: Partial<TrafficOptions>): TrafficOptions {
  return trafficOptionsFor(url, { body: bodyFile, connections: 4, httpClient: 'socket', durationMs: 2_000, timeoutMs: 5_000, skipProbe: true, ...over });
}

describe('burst', () => {
  for (const httpClient of ['socket', 'undici'] as const) {
    it(`sends exactly the requested count over C clients (${httpClient})`, async () => {
      const server = await serve();
      const { result } = await runTraffic(options(server.url, { requests: 400, connections: 4, httpClient }));
      expect(result.mode).toBe('burst');
      expect(result.stoppedBy).toBe('requests');
      expect(result.sent).toBe(400);
      expect(result.completed).toBe(400);
      expect(result.ok).toBe(400);
      expect(result.unfinished).toBe(0);
      expect(server.requests).toBe(400);
      expect(result.latency.count).toBe(400);
      expect(result.maxInFlight).toBeLessThanOrEqual(4);
      expect(result.maxInFlight).toBeGreaterThanOrEqual(1);
      expect(server.maxInFlight).toBeLessThanOrEqual(4);
      expect(result.requestedRatePerSec).toBeNull();
      expectThroughputOfWindow(result);
      expect(summarizeLatency(decodeHistogram(result.latencyHistogram))).toEqual(result.latency);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    });
  }

  it('sends warm-up traffic first and does not count it', async () => {
    const server = await serve();
    const { result } = await runTraffic(options(server.url, { requests: 100, warmup: { requests: 50 }, connections: 2 }));
    expect(result.warmup.requests).toBe(50);
    expect(result.sent).toBe(100);
    expect(result.latency.count).toBe(100);
    expect(server.requests).toBe(150);
  });

  it('reports the stall instead of a rate it did not reach', async () => {
    const server = await startStallingServer(700, 1_000);
    servers.push(server);
    const { result } = await runTraffic(options(server.url, { durationMs: 2_500, connections: 4 }));
    expect(result.stoppedBy).toBe('duration');
    // Every client waited out the stall: its answers took about a second.
    expect(result.latency.maxMs).toBeGreaterThanOrEqual(800);
    // Throughput is what completed over the whole window, stall included; no requested rate to echo.
    expect(result.durationMs).toBeGreaterThanOrEqual(2_400);
    expectThroughputOfWindow(result);
    expect(result.requestedRatePerSec).toBeNull();
    expect(result.completed).toBe(server.requests);
  });

  it('spreads clients over worker threads and merges their histograms', async () => {
    const server = await serve();
    const { result } = await runTraffic(options(server.url, { requests: 300, connections: 4, workers: 2 }));
    expect(result.workers).toBe(2);
    expect(result.sent).toBe(300);
    expect(result.completed).toBe(300);
    expect(result.latency.count).toBe(300);
    expect(server.requests).toBe(300);
  });
});

describe('rate (open model)', () => {
  it('keeps the schedule through a stall and measures latency from the intended send time', async () => {
    const server = await startStallingServer(800, 1_000);
    servers.push(server);
    const { result } = await runTraffic(options(server.url, { mode: 'rate', httpClient: 'undici', ratePerSec: 200, durationMs: 3_000, connections: 8 }));
    expect(result.requestedRatePerSec).toBe(200);
    // The schedule did not pause for the stall: ~600 requests were sent in 3 s.
    expect(result.sent + result.errors.dropped).toBeGreaterThanOrEqual(570);
    expect(result.sent + result.errors.dropped).toBeLessThanOrEqual(601);
    // Requests sent during the stall waited up to a second: the stall is in p99 and max.
    expect(result.latency.maxMs).toBeGreaterThanOrEqual(800);
    expect(result.latency.p99Ms).toBeGreaterThanOrEqual(500);
    expect(result.maxInFlight).toBeGreaterThanOrEqual(100);
    expect(result.errors.dropped).toBe(0);
  });

  it('counts requests beyond the in-flight cap as dropped errors instead of slowing down', async () => {
    const server = await startStallingServer(300, 1_000);
    servers.push(server);
    const { result } = await runTraffic(options(server.url, { mode: 'rate', httpClient: 'undici', ratePerSec: 200, durationMs: 2_000, maxInFlight: 20 }));
    expect(result.maxInFlight).toBeLessThanOrEqual(20);
    expect(result.errors.dropped).toBeGreaterThanOrEqual(50);
    expect(result.sent + result.errors.dropped).toBeGreaterThanOrEqual(380);
    expect(result.warnings.some((w) => w.includes('dropped at the in-flight cap'))).toBe(true);
  });

  it('stops at the request count even before the duration ends', async () => {
    const server = await serve();
    const { result } = await runTraffic(
      options(server.url, { mode: 'rate', httpClient: 'undici', ratePerSec: 500, requests: 100, durationMs: 60_000, warmup: { durationMs: 200 } }),
    );
    expect(result.stoppedBy).toBe('requests');
    expect(result.sent).toBe(100);
    expect(result.warmup.requests).toBeGreaterThanOrEqual(50);
    expect(server.requests).toBe(100 + result.warmup.requests);
  });
});

describe('soak', () => {
  it('prints current and overall throughput every interval', async () => {
    const server = await serve();
    const ticks: SoakTick[] = [];
    const { result } = await runTraffic(options(server.url, { mode: 'soak', httpClient: 'undici', ratePerSec: 100, durationMs: 2_300, intervalMs: 500 }), {
      onSoakTick: (t) => ticks.push(t),
    });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.length).toBeLessThanOrEqual(5);
    for (const tick of ticks) {
      expect(tick.intervalThroughputPerSec).toBeGreaterThan(0);
      expect(tick.overallThroughputPerSec).toBeGreaterThan(0);
      expect(tick.intervalErrors).toBe(0);
    }
    expect(ticks.map((t) => t.elapsedMs)).toEqual([...ticks.map((t) => t.elapsedMs)].sort((a, b) => a - b));
    expect(result.mode).toBe('soak');
    expect(result.ok).toBe(result.sent);
  });
});

describe('find-max', () => {
  it('steps the rate up until p99 crosses the threshold, then confirms the best rate', async () => {
    // One answer at a time, 10 ms each: capacity is about 100 requests/s.
    const queue: (() => void)[] = [];
    let busy = false;
    const next = (s: TestServer): void => {
      const job = queue.shift();
      busy = job !== undefined;
      if (job !== undefined) {
        s.later(10, () => {
          job();
          next(s);
        });
      }
    };
    const server = await serve((req, res, body, s) => {
      queue.push(() => answerOk(req, res, body, s));
      if (!busy) next(s);
    });
    const steps: string[] = [];
    const { result } = await runTraffic(
      options(server.url, {
        mode: 'find-max',
        httpClient: 'undici',
        ratePerSec: 20,
        stepFactor: 2,
        stepDurationMs: 1_000,
        maxP99Ms: 150,
        durationMs: 30_000,
        connections: 16,
      }),
      { onFindMaxStep: (s) => steps.push(`${s.phase} ${s.ratePerSec} ${s.passed}`) },
    );
    const findMax = (result as FindMaxResult).findMax;
    expect(result.mode).toBe('find-max');
    expect(findMax.steps.length).toBe(steps.length);
    expect(findMax.steps[0]?.ratePerSec).toBe(20);
    expect(findMax.steps.some((s) => !s.passed)).toBe(true);
    // 320/s is three times the capacity: it can never hold.
    expect(findMax.steps.filter((s) => s.ratePerSec >= 320).every((s) => !s.passed)).toBe(true);
    expect(findMax.maxSustainableRatePerSec).not.toBeNull();
    // 20/s is a fifth of the capacity and normally holds; a stall of the shared machine during that
    // first step makes the search step down once (to 10/s) and refine back up, which is right too.
    expect(findMax.maxSustainableRatePerSec).toBeGreaterThanOrEqual(10);
    expect(findMax.maxSustainableRatePerSec).toBeLessThan(320);
    expect(findMax.steps.some((s) => s.phase === 'confirm')).toBe(true);
    expect(findMax.thresholds.maxP99Ms).toBe(150);
  });
});

describe('errors by kind', () => {
  it('tells SOAP faults, 5xx, 4xx and timeouts apart', async () => {
    const fault = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(SOAP_FAULT);
    });
    const plain500 = await serve((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('busy');
    });
    const notFound = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const silent = await serve(() => undefined);
    for (const httpClient of ['socket', 'undici'] as const) {
      const f = await runTraffic(options(fault.url, { requests: 10, connections: 2, httpClient }));
      expect(f.result.errors['soap-fault']).toBe(10);
      const five = await runTraffic(options(plain500.url, { requests: 10, connections: 2, httpClient }));
      expect(five.result.errors['http-5xx']).toBe(10);
      const four = await runTraffic(options(notFound.url, { requests: 10, connections: 2, httpClient }));
      expect(four.result.errors['http-4xx']).toBe(10);
      const slow = await runTraffic(options(silent.url, { requests: 2, connections: 1, timeoutMs: 300, httpClient }));
      expect(slow.result.errors.timeout).toBe(2);
      expect(slow.result.ok).toBe(0);
    }
  });

  it('times out on silence, not on a slow answer that keeps coming (socket client)', async () => {
    // Eight bytes 100 ms apart: 800 ms in all against a 300 ms timeout, never 300 ms without a byte.
    const trickle = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '8' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write('x');
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    const run = await runTraffic(options(trickle.url, { requests: 1, connections: 1, timeoutMs: 300 }));
    expect([run.result.ok, run.result.errors.timeout]).toEqual([1, 0]);
  });

  it('reads chunked and connection-close answers (socket client)', async () => {
    const chunked = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.write(SOAP_OK.slice(0, 40));
      setTimeout(() => res.end(SOAP_OK.slice(40)), 2);
    });
    const closing = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml', connection: 'close' });
      res.end(SOAP_OK);
    });
    const a = await runTraffic(options(chunked.url, { requests: 50, connections: 2 }));
    expect(a.result.ok).toBe(50);
    const b = await runTraffic(options(closing.url, { requests: 50, connections: 2 }));
    expect(b.result.ok).toBe(50);
    expect(closing.requests).toBe(50);
  });

  it('fails fast with one line when nothing listens, and counts connect errors without the probe', async () => {
    const gone = await startServer();
    const url = gone.url;
    await gone.close();
    await expect(runTraffic(options(url, { requests: 5, skipProbe: false }))).rejects.toThrow(GwscaleError);
    await expect(runTraffic(options(url, { requests: 5, skipProbe: false }))).rejects.toThrow(/the first request failed \(connect: /);
    const { result } = await runTraffic(options(url, { requests: 5, connections: 1 }));
    expect(result.errors.connect).toBe(5);
    expect(result.latency.count).toBe(0);
  });

  it('warns when the probe answer is a fault', async () => {
    const fault = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(SOAP_FAULT);
    });
    const { result } = await runTraffic(options(fault.url, { requests: 3, skipProbe: false }));
    expect(result.warnings[0]).toContain('SOAP fault: backend down');
    expect(fault.requests).toBe(4);
  });
});
