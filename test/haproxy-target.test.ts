/**
 * The HAProxy target against a real HAProxy 2.6 (Debian's `haproxy`) in master-worker mode, started
 * by the adapter on loopback. Needs haproxy installed (CI: `bash .ci/system-packages haproxy`); a
 * missing haproxy fails the test with the install command in the message.
 */
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter, GatewayInfo } from '../src/gateways/adapter.js';
import { createHaproxyAdapter, HAPROXY_INSTALL_COMMAND, haproxyConfig, haproxyServiceFor, parseShowProc } from '../src/gateways/haproxy/index.js';
import { generateServices } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { gwscale } from './helpers/cli.js';
import { slowRequest, startEchoBackend, type EchoBackend } from './helpers/echo-backend.js';
import { isAlive } from './helpers/process.js';
import { targetContext } from './helpers/target-context.js';
import {
  expectEveryServiceAnswers,
  expectPssTreeReading,
  expectRegistersInRounds,
  expectRestartServesDeployed,
  expectRunLogVerifiedUnderLoad,
  expectStopsByPid,
} from './helpers/target-checks.js';
import { tempDir } from './helpers/temp-dir.js';

const workDir = tempDir('gwscale-haproxy-');

function context(dir: string, backendUrl: string, logs: string[], hardStopAfterMs?: number): AdapterContext {
  const targetOptions = hardStopAfterMs === undefined ? {} : { targetOptions: { hardStopAfterMs } };
  return targetContext(dir, { backendUrl, callTimeoutMs: 30_000, password: 'not-used-by-haproxy', log: (line) => logs.push(line), ...targetOptions });
}

describe('haproxy target', () => {
  let backend: EchoBackend;
  let adapter: GatewayAdapter;
  let info: GatewayInfo;
  let services: ServiceSpec[];
  const logs: string[] = [];

  beforeAll(async () => {
    backend = await startEchoBackend();
    adapter = createHaproxyAdapter(context(`${workDir}/main`, backend.url, logs));
    services = generateServices({ count: 300, version: 'mixed', seed: 7, endpointBase: backend.url });
  });

  afterAll(async () => {
    await adapter?.stop();
    await backend?.close();
  });

  it('starts haproxy in master-worker mode on loopback, its master CLI a 0600 socket', async () => {
    info = await adapter.start();
    expect(info.version).toMatch(/^HAProxy 2\.\d+\.\d+/);
    expect(info.pid).toBeGreaterThan(0);
    expect(info.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const socket = info.adminUrl.replace(/^unix:/, '');
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
    expect(adapter.pid()).toBe(info.pid);
  });

  it('registers services in rounds, reloads the whole configuration each round, and HAProxy lists exactly them', async () => {
    await expectRegistersInRounds(adapter, services, 100, {
      detail: (to) => new RegExp(`^reloaded ${to} backends; worker \\d+ serves generation \\d+`),
      attachedPolicies: () => null,
    });
  });

  it('sends SOAP through every service: the request policy reaches the backend, the response policy the client', async () => {
    await expectEveryServiceAnswers(adapter, services);
    const first = services[0]!;
    expect(backend.seen.get(`/${first.serviceName}`)?.['x-gw-request-policy']).toBe(first.serviceName);
  });

  it('reads PSS summed over the master and its worker, with RSS and the process count beside it', async () => {
    await expectPssTreeReading(adapter, { processes: 2, oldWorkers: 0 }, 300);
  });

  it('keeps the old worker while a request is in flight through a reload, and counts it', async () => {
    // Longer than a deploy plus the reading's 1 s wait for old workers without connections.
    const inFlight = slowRequest(info.dataUrl, `/${services[1]!.serviceName}`, 4_000);
    await new Promise((r) => setTimeout(r, 300));
    const deploy = await adapter.deploy();
    expect(deploy).toMatchObject({ state: 'deployed', detail: expect.stringMatching(/, 1 old workers draining$/) });
    const during = await adapter.liveMemory();
    expect(during.extra).toMatchObject({ processes: 3, oldWorkers: 1 });
    expect(await inFlight).toBe(200);
    for (let i = 0; i < 100 && (await adapter.liveMemory()).extra?.oldWorkers !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await adapter.liveMemory()).extra).toMatchObject({ processes: 2, oldWorkers: 0 });
    expect((await adapter.verify(services.slice(0, 5))).filter((o) => !o.ok)).toEqual([]);
  });

  it('writes hard-stop-after when asked, and reads show proc as data', () => {
    expect(haproxyConfig({ dataListen: '127.0.0.1:1', generation: 1, hardStopAfterMs: 500, serverTimeoutMs: 60_000, services: [] })).toContain(
      'hard-stop-after 500ms',
    );
    expect(
      parseShowProc(
        '#<PID> <type> <reloads>\n10 master 2 [failed: 1] 0d 2.6\n# workers\n12 worker 0 0d 2.6\n# old workers\n11 worker 1 0d 2.6\n# programs\n\n',
      ),
    ).toEqual({
      master: { pid: 10, reloads: 2, failedReloads: 1 },
      workers: [{ pid: 12, reloads: 0 }],
      oldWorkers: [{ pid: 11, reloads: 1 }],
    });
  });

  it('restarts with the deployed configuration loaded again', async () => {
    await expectRestartServesDeployed(adapter, services);
  });

  it('stops by pid, workers included, and stopping twice is safe', async () => {
    const pid = adapter.pid()!;
    const workers = (await adapter.liveMemory()).extra?.processes;
    expect(workers).toBe(2);
    await expectStopsByPid(adapter);
    expect(isAlive(pid)).toBe(false);
  });
});

describe('haproxy hard-stop-after', () => {
  it('kills the old worker that long after a reload, in-flight request and all', async () => {
    const backend = await startEchoBackend();
    const adapter = createHaproxyAdapter(context(`${workDir}/hard-stop`, backend.url, [], 300));
    try {
      const info = await adapter.start();
      const [spec] = generateServices({ count: 1, version: '1.1', seed: 3, endpointBase: backend.url });
      await adapter.register(spec!);
      expect((await adapter.deploy()).state).toBe('deployed');
      const inFlight = slowRequest(info.dataUrl, `/${spec!.serviceName}`, 5_000);
      await new Promise((r) => setTimeout(r, 300));
      expect((await adapter.deploy()).state).toBe('deployed');
      const started = Date.now();
      // Bounded: the old worker must be gone well before the backend would have answered.
      expect(await inFlight).not.toBe(200);
      expect(Date.now() - started).toBeLessThan(4_000);
      // The master lists the killed worker until it has reaped it: a moment, bounded here.
      for (let i = 0; i < 40 && (await adapter.liveMemory()).extra?.oldWorkers !== 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await adapter.liveMemory()).extra).toMatchObject({ processes: 2, oldWorkers: 0 });
    } finally {
      await adapter.stop();
      await backend.close();
    }
  });
});

describe('haproxy target, bad input and missing binary', () => {
  it('fails with the command that installs it', async () => {
    const adapter = createHaproxyAdapter(context(`${workDir}/missing`, 'http://127.0.0.1:1', []), { haproxyCommand: `${workDir}/no-such-haproxy` });
    await expect(adapter.start()).rejects.toThrow(`haproxy is not installed (${workDir}/no-such-haproxy not found): run \`${HAPROXY_INSTALL_COMMAND}\``);
  });

  it('refuses endpoints off the loopback and names that are not plain, naming the file', () => {
    expect(() => haproxyServiceFor('S1', 'http://example.com/S1', 'svc-1.wsdl')).toThrow(
      /svc-1\.wsdl: endpoint address http:\/\/example\.com\/S1 of service S1 is not http:\/\/ on the loopback/,
    );
    expect(() => haproxyServiceFor('S 1', 'http://127.0.0.1:9/S1', 'svc-1.wsdl')).toThrow(/svc-1\.wsdl: service name 'S 1' is not plain enough for HAProxy/);
    expect(haproxyServiceFor('S1', 'http://127.0.0.1:9000/base/S1/soap12', 'a.wsdl')).toEqual({
      service: { serviceName: 'S1', server: '127.0.0.1:9000', rewrite: { kind: 'prefix', prefix: '/base' } },
      probePath: '/S1/soap12',
    });
  });
});

describe('gwscale run --target haproxy', () => {
  it('runs rounds and redeploys under load with every probe answered, listing matching, and the process count in every row', async () => {
    const out = `${workDir}/cli-run`;
    const r = await gwscale(
      [
        'run',
        '--target',
        'haproxy',
        '--services',
        '200',
        '--batch',
        '100',
        '--redeploys',
        '2',
        '--verify',
        'all',
        '--hard-stop-after',
        '30s',
        '--deploy-under-load',
        '4',
        '--backend-latency-ms',
        '200',
        '--fail-on',
        'none',
        '--out',
        out,
        '--json',
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      settings: Record<string, unknown>;
      rounds: Array<{ role: string; memorySource: string; peakSource?: string; extra?: Record<string, number> }>;
    };
    expect(report.settings).toMatchObject({ target: 'haproxy', hardStopAfterMs: 30_000, deployUnderLoad: 4 });
    expect(report.settings.redeployMode).toBeUndefined();
    expect(report.rounds.map((row) => row.role)).toEqual(['fresh-start', 'round', 'round', 'redeploy', 'redeploy']);
    for (const row of report.rounds) {
      expect(row.memorySource).toBe('pss-tree');
      // Read after the deploy's traffic stopped: old workers have let go by then.
      expect(row.extra).toMatchObject({ processes: 2, oldWorkers: 0, rssBytes: expect.any(Number) });
    }
    // Deploy peaks are sampled on the whole tree, like the readings, and each row says how many processes the deploy ran with.
    for (const row of report.rounds.filter((x) => x.role !== 'fresh-start')) expect(row.peakSource).toBe('pss-tree');
    for (const row of report.rounds.filter((x) => x.role === 'redeploy'))
      expect(row.extra).toMatchObject({ deployProcesses: expect.any(Number), deployRequestsFailed: 0 });
    const md = await readFile(`${out}/report.md`, 'utf8');
    expect(md).toMatch(/\| processes \|/);
    expect(md).toMatch(/\| 2 \(\d+ during the deploy\) \|/);
    // The first deploy has nothing served to call; every later one ran with 4 requests in flight, none failed.
    for (const underLoad of expectRunLogVerifiedUnderLoad(out, [100, 200], { maxInFlight: 4 })) {
      // Master, new worker, and the old worker still serving its kept-alive connections.
      expect(underLoad.gatewayProcesses).toBeGreaterThanOrEqual(2);
    }
  });

  it('refuses --hard-stop-after for another target, in one line', async () => {
    const r = await gwscale(['run', '--target', 'caddy', '--hard-stop-after', '5s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hard-stop-after is an HAProxy setting; --target is caddy/);
  });
});
