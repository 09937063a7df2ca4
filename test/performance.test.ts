/**
 * The pure parts behind the performance work and its benches: the /proc reader, the probe cache
 * (equal to parsing every WSDL), verification in slices, the benches' own helpers. No timings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeRounds } from '../src/analysis/analysis.js';
import { runConfigOf, type RunConfig } from '../src/driver/config.js';
import { roundsOf } from '../src/driver/run-log.js';
import type { RunRecord, VerifyRecord } from '../src/run-log/records.js';
import { runScale } from '../src/driver/scale-run.js';
import type { GatewayAdapter, VerifyOutcome } from '../src/gateways/adapter.js';
import { createProbeCache } from '../src/gateways/reference/probe-cache.js';
import { soapProbeFor } from '../src/gateways/soap-probe.js';
import {
  hasProcStat,
  keptOpenProcFiles,
  parseProcStat,
  parseStatmResidentPages,
  procPageBytes,
  readProcStat,
  readResidentPagesKeepOpen,
} from '../src/sampling/proc-stat.js';
import { readProcessUsage, rssSource } from '../src/sampling/process-usage.js';
import { createServiceGenerator, loadTemplates, parseWsdl, type GenerateVersion } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { check, formatCheck } from '../bench/lib/check.js';
import { registrationTotals } from '../bench/lib/registration-cost.js';
import { syntheticRunRecords } from '../bench/lib/synthetic-log.js';
import { timeSplitOf } from '../bench/scale.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('/proc/<pid>/stat', () => {
  it('counts fields from the last parenthesis, so a command name with spaces and ")" cannot shift them', () => {
    const line =
      '4242 (node (a) b) S 17 4242 4242 0 -1 4194304 900 0 0 0 250 75 3 4 20 0 11 0 1234 987654321 5120 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n';
    expect(parseProcStat(line)).toEqual({ state: 'S', ppid: 17, cpuTicks: 325, childrenCpuTicks: 7, rssPages: 5120 });
  });

  it('refuses what is not a stat line', () => {
    expect(() => parseProcStat('no such thing')).toThrow(/not a \/proc/);
    expect(() => parseProcStat('1 (x) S 2 3')).toThrow(/not a \/proc/);
  });

  it.runIf(hasProcStat())('reads this process: RSS near what Node reports, CPU time above zero', async () => {
    const usage = await readProcessUsage(process.pid);
    const rss = process.memoryUsage.rss();
    expect(usage.rssBytes).toBeGreaterThan(rss * 0.5);
    expect(usage.rssBytes).toBeLessThan(rss * 2);
    expect(usage.cpuSeconds).toBeGreaterThan(0);
    expect(readProcStat(process.pid).ppid).toBe(process.ppid);
  });

  it.runIf(hasProcStat())('rejects for a process that is gone', async () => {
    await expect(readProcessUsage(2 ** 22 + 12345)).rejects.toThrow();
    await expect(rssSource(2 ** 22 + 12345).read()).rejects.toThrow();
  });
});

describe('/proc/<pid>/statm', () => {
  const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

  it('reads the resident pages from the bytes, and a zombie (all zeros) as -1', () => {
    const line = bytes('765 433 405 5 0 123 0\n');
    expect(parseStatmResidentPages(line, line.length)).toBe(433);
    // Only the range read counts: stale bytes after it are ignored.
    const stale = bytes('9 8 7 6 5 4 3\n 999999 999999');
    expect(parseStatmResidentPages(stale, 14)).toBe(8);
    const zombie = bytes('0 0 0 0 0 0 0\n');
    expect(parseStatmResidentPages(zombie, zombie.length)).toBe(-1);
  });

  it('refuses what is not a statm line', () => {
    for (const text of ['', 'x', '12', '12 ', ' 12 3', '12 a 3', '12 3', '12\n3 4', '-1 3 4', '12 3a 4']) {
      expect(() => parseStatmResidentPages(bytes(text), text.length), text).toThrow(/not a \/proc\/<pid>\/statm line/);
    }
  });

  it.runIf(hasProcStat())('gives what /proc/<pid>/status says as VmRSS, for an idle process', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid!;
      await new Promise((resolve) => setTimeout(resolve, 150));
      const vmRss = (): number => Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]) * 1024;
      // An idle `sleep` holds its pages still; read back to back, the two agree to the byte (stat's
      // approximate rss may not: 387 against 435 pages here on Linux 6.18).
      const pairs = Array.from({ length: 3 }, () => [vmRss(), readResidentPagesKeepOpen(pid) * procPageBytes()]);
      expect(
        pairs.some(([a, b]) => a === b),
        JSON.stringify(pairs),
      ).toBe(true);
      expect((await rssSource(pid).read()).bytes).toBe(readResidentPagesKeepOpen(pid) * procPageBytes());
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.runIf(hasProcStat())('closes every file it kept for a process once the process is gone', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    const before = keptOpenProcFiles();
    try {
      await readProcessUsage(pid);
      expect(keptOpenProcFiles()).toBe(before + 2);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('exit', resolve));
    // The stat read fails first; the statm file goes with it.
    await expect(readProcessUsage(pid)).rejects.toThrow();
    expect(keptOpenProcFiles()).toBe(before);
  });

  it.runIf(hasProcStat())('says a zombie process has exited', async () => {
    // The shell starts `sleep 0.1` and becomes `sleep 30`, which never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      const deadline = Date.now() + 5000;
      while (!readFileSync(`/proc/${pid}/stat`, 'latin1').includes(') Z ') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await expect(rssSource(pid).read()).rejects.toThrow(`process ${pid} has exited`);
      await expect(readProcessUsage(pid)).rejects.toThrow(`process ${pid} has exited`);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('probe cache', () => {
  const direct = (spec: ServiceSpec): unknown => {
    try {
      return soapProbeFor(parseWsdl(spec.wsdlText, spec.fileName), spec.serviceName);
    } catch (error) {
      return `error: ${error instanceof Error ? error.message : String(error)}`;
    }
  };
  const cached = (probeOf: (spec: ServiceSpec) => unknown, spec: ServiceSpec): unknown => {
    try {
      return probeOf(spec);
    } catch (error) {
      return `error: ${error instanceof Error ? error.message : String(error)}`;
    }
  };

  it.each(['1.1', '2.0', 'mixed'] as GenerateVersion[])('gives what parsing each WSDL %s gives', (version) => {
    const generate = createServiceGenerator({ version, seed: 3, endpointBase: 'http://127.0.0.1:9/svc' });
    const probeOf = createProbeCache();
    const mismatches = Array.from({ length: 120 }, (_, i) => generate(i)).filter((spec) => !isDeepStrictEqual(cached(probeOf, spec), direct(spec)));
    expect(mismatches.map((s) => s.serviceName)).toEqual([]);
  });

  it('gives the same for user templates (fixtures/wsdl), with at most maxShapes shapes kept', () => {
    const generate = createServiceGenerator({ version: 'mixed', seed: 5, endpointBase: 'http://127.0.0.1:9', templates: loadTemplates('fixtures/wsdl') });
    const probeOf = createProbeCache(2);
    const specs = Array.from({ length: 40 }, (_, i) => generate(i));
    expect(specs.filter((spec) => !isDeepStrictEqual(cached(probeOf, spec), direct(spec))).map((s) => s.serviceName)).toEqual([]);
  });

  it('names the real service when a WSDL gives no probe', () => {
    const spec = createServiceGenerator({ version: '1.1', seed: 1, endpointBase: 'http://127.0.0.1:9' })(7);
    const broken: ServiceSpec = { ...spec, wsdlText: spec.wsdlText.replace(/<(wsdl:)?port\b[\s\S]*?<\/(wsdl:)?port>/g, '') };
    expect(() => createProbeCache()(broken)).toThrow(spec.serviceName);
  });
});

/** A gateway that accepts everything and records the verify calls it gets (the driver is under test here). */
function recordingAdapter(): GatewayAdapter & { verifyCalls: number[] } {
  let services = 0;
  const verifyCalls: number[] = [];
  return {
    target: 'reference',
    verifyCalls,
    start: () => Promise.resolve({ version: 'recording 0', pid: null, dataUrl: 'http://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9' }),
    stop: () => Promise.resolve(),
    restart: () => Promise.resolve({ version: 'recording 0', pid: null, dataUrl: 'http://127.0.0.1:9', adminUrl: 'http://127.0.0.1:9' }),
    register: () => {
      services++;
      return Promise.resolve({ attachedPolicies: 2, operations: 1, created: true });
    },
    deploy: () => Promise.resolve({ state: 'deployed', ms: 1 }),
    listing: () => Promise.resolve({ serviceGroups: null, services, operations: null, circuits: null, attachedPolicies: null }),
    liveMemory: () => Promise.resolve({ bytes: 1000 + services, source: 'recording', afterGc: true }),
    verify: (specs) => {
      verifyCalls.push(specs.length);
      return Promise.resolve(
        specs.map((s): VerifyOutcome =>
          s.index % 500 === 0
            ? { serviceName: s.serviceName, ok: false, status: 502, error: 'HTTP 502' }
            : { serviceName: s.serviceName, ok: true, status: 200 },
        ),
      );
    },
    requestUrl: () => 'http://127.0.0.1:9',
    pid: () => null,
    exited: () => new Promise(() => undefined),
  };
}

describe('verification in slices', () => {
  it('--verify all checks every service every round, never more than 1,000 WSDLs per call', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'gwscale-perf-verify-'));
    dirs.push(outDir);
    const config: RunConfig = runConfigOf(
      {
        services: 2500,
        batch: 1500,
        concurrency: 16,
        readings: 1,
        readingIntervalMs: 0,
        callTimeoutMs: 10_000,
        loadStepMs: 1000,
        loadIdleMs: 0,
        loadServices: 1,
      },
      outDir,
    );
    const generate = createServiceGenerator({ version: '1.1', seed: 1, endpointBase: 'http://127.0.0.1:9' });
    const adapter = recordingAdapter();
    const result = await runScale(config, { adapter, catalog: { size: 2500, serviceAt: generate, indexOf: () => undefined } });
    expect(result.state).toBe('completed');
    expect(adapter.verifyCalls).toEqual([1000, 500, 1000, 1000, 500]);
    const records = readFileSync(result.runLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as RunRecord);
    const verifies = records.filter((r): r is VerifyRecord => r.type === 'verify');
    expect(verifies.map((v) => [v.services, v.checked, v.failed, v.failures.length])).toEqual([
      [1500, 1500, 3, 3],
      [2500, 2500, 5, 5],
    ]);
    expect(verifies[1]?.failures.map((f) => f.serviceName)).toEqual([0, 500, 1000, 1500, 2000].map((i) => generate(i).serviceName));
  });
});

describe('bench helpers', () => {
  it('a check passes on its side of the target only, and never on NaN', () => {
    expect(check('ratio', 0.2, '<=', 0.25).pass).toBe(true);
    expect(check('ratio', 0.3, '<=', 0.25).pass).toBe(false);
    expect(check('rate', 12, '>=', 10).pass).toBe(true);
    expect(check('rate', Number.NaN, '>=', 10).pass).toBe(false);
    expect(formatCheck(check('overhead ratio', 0.16234, '<=', 0.25))).toMatch(/^PASS {2}overhead ratio +0\.162 {2}≤ 0\.25$/);
    expect(formatCheck(check('capacity', 4.5, '>=', 10, '×'))).toMatch(/^FAIL .* 4\.5 × {2}≥ 10 ×$/);
  });

  it('a synthetic run log has the rows asked for (one restart, the redeploys last) and is the same for a seed', () => {
    const options = { rows: 300, batch: 10, baseBytes: 100e6, retainedPerServiceBytes: 50_000, noiseBytes: 1e6, redeploys: 10, samplesPerDeploy: 2, seed: 9 };
    const records = syntheticRunRecords(options);
    const rows = roundsOf(records);
    expect(rows).toHaveLength(300);
    expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => i));
    expect(syntheticRunRecords(options)).toEqual(records);
    expect(rows.filter((r) => r.event === 'restart')).toHaveLength(1);
    expect(rows.slice(-10).map((r) => r.event)).toEqual(Array.from({ length: 10 }, () => 'redeploy'));
    expect(rows.slice(1).every((r, i) => r.services >= (rows[i]?.services ?? 0))).toBe(true);
    expect(analyzeRounds(rows).rounds).toHaveLength(300);
  });

  it('registration totals leave the warm-up rounds out', () => {
    const rounds = [
      { services: 100, harnessCpuSeconds: 1, wallSeconds: 2, gatewayCpuSeconds: 4 },
      { services: 100, harnessCpuSeconds: 0.02, wallSeconds: 0.5, gatewayCpuSeconds: 0.2 },
      { services: 300, harnessCpuSeconds: 0.06, wallSeconds: 0.5, gatewayCpuSeconds: 0.6 },
    ];
    expect(registrationTotals(rounds, 1)).toEqual({
      services: 400,
      harnessCpuSeconds: 0.08,
      wallSeconds: 1,
      gatewayCpuSeconds: 0.8,
      harnessMicrosPerRegistration: 200,
      perHarnessCpuSecond: 5000,
      perSecond: 400,
      perGatewayCpuSecond: 500,
    });
    expect(registrationTotals(rounds, 0).services).toBe(500);
  });

  it("splits a run's wall time by phase from its run log", () => {
    const row = (services: number, registerMs: number | null, deployMs: number | null, elapsedMs: number): RunRecord => ({
      type: 'round',
      round: {
        index: 0,
        event: 'round',
        services,
        memoryBytes: 1,
        memorySource: 'x',
        afterGc: true,
        rssBytes: null,
        peakBytes: null,
        preDeployBytes: null,
        registerMs,
        deployMs,
        elapsedMs,
        concurrency: null,
      },
    });
    const records: RunRecord[] = [
      { type: 'gateway-start', at: '', version: 'v', pid: 1, reason: 'start', startMs: 2000 },
      row(0, null, null, 500),
      { type: 'register', round: 1, from: 0, to: 10, ms: 3000, operations: 0, attachedPolicies: 0, failed: 0, failures: [] },
      { type: 'deploy', round: 1, services: 10, state: 'deployed', ms: 4000 },
      row(10, 3000, 4000, 8000),
      { type: 'run-end', at: '', state: 'completed', overhead: { harnessCpuSeconds: 1, gatewayCpuSeconds: 2 }, wallSeconds: 12, samplesTaken: 0 },
    ];
    expect(timeSplitOf(records)).toEqual({ gatewayStart: 2, registration: 3, deploy: 4, measure: 1.5, verifyAndListing: 1.5, driver: 12 });
  });
});
