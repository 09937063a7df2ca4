/**
 * The HAProxy target against a real HAProxy 2.6 (Debian's `haproxy`) in master-worker mode, started
 * by the adapter on loopback. Needs haproxy installed (CI: `bash .ci/system-packages haproxy`); a
 * missing haproxy fails the test with the install command in the message.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter, GatewayInfo } from '../src/gateways/adapter.js';
import { createHaproxyAdapter, HAPROXY_INSTALL_COMMAND, haproxyConfig, haproxyServiceFor, parseShowProc } from '../src/gateways/haproxy/index.js';
import { generateServices } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { gwscale } from './helpers/cli.js';
import { isAlive } from './helpers/process.js';
import { expectRestartServesDeployed, expectStopsByPid } from './helpers/target-checks.js';
import { tempDir } from './helpers/temp-dir.js';

const workDir = tempDir('gwscale-haproxy-');

/** A SOAP backend stand-in: answers every POST with a small envelope (after `?slowMs=` if asked) and remembers request headers by path. */
async function startEchoBackend(): Promise<{ url: string; seen: Map<string, IncomingHttpHeaders>; close(): Promise<void> }> {
  const seen = new Map<string, IncomingHttpHeaders>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.set(url.pathname, req.headers);
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(
          '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ok/></soapenv:Body></soapenv:Envelope>',
        );
      };
      const slowMs = Number(url.searchParams.get('slowMs') ?? 0);
      if (slowMs > 0) setTimeout(answer, Math.min(slowMs, 30_000));
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function context(dir: string, backendUrl: string, logs: string[], hardStopAfterMs?: number): AdapterContext {
  return Object.freeze({
    workDir: dir,
    profile: 'default',
    heapMb: null,
    wsdlBaseUrl: 'http://127.0.0.1:1',
    backendUrl,
    callTimeoutMs: 30_000,
    credentials: Object.freeze({ user: 'gwscale', password: 'not-used-by-haproxy' }),
    log: (line: string) => logs.push(line),
    ...(hardStopAfterMs === undefined ? {} : { targetOptions: { hardStopAfterMs } }),
  });
}

/** Sends a POST that the backend answers after `slowMs`; resolves with the status, or the error's code. */
function slowRequest(dataUrl: string, path: string, slowMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${dataUrl}${path}?slowMs=${slowMs}`, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.end('<x/>');
  });
}

describe('haproxy target', () => {
  let backend: Awaited<ReturnType<typeof startEchoBackend>>;
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
    for (const [from, to] of [
      [0, 100],
      [100, 200],
      [200, 300],
    ] as const) {
      for (const spec of services.slice(from, to)) {
        expect(await adapter.register(spec)).toMatchObject({ created: true, attachedPolicies: 2, operations: 4 });
      }
      const deploy = await adapter.deploy();
      expect(deploy).toMatchObject({
        state: 'deployed',
        detail: expect.stringMatching(new RegExp(`^reloaded ${to} backends; worker \\d+ serves generation \\d+`)),
      });
      console.log(`haproxy: round to ${to} services deployed in ${deploy.ms} ms (${deploy.state === 'deployed' ? deploy.detail : ''})`);
      expect(await adapter.listing()).toMatchObject({ services: to, attachedPolicies: null });
    }
    expect(await adapter.register(services[0]!)).toMatchObject({ created: false });
  });

  it('sends SOAP through every service: the request policy reaches the backend, the response policy the client', async () => {
    const outcomes = await adapter.verify(services);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes).toHaveLength(300);
    const first = services[0]!;
    expect(backend.seen.get(`/${first.serviceName}`)?.['x-gw-request-policy']).toBe(first.serviceName);
  });

  it('reads PSS summed over the master and its worker, with RSS and the process count beside it', async () => {
    const reading = await adapter.liveMemory();
    expect(reading).toMatchObject({ source: 'pss-tree', afterGc: false, extra: { processes: 2, oldWorkers: 0 } });
    expect(reading.bytes).toBeGreaterThan(1024 * 1024);
    expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
    console.log(`haproxy: PSS ${(reading.bytes / 2 ** 20).toFixed(1)} MiB, RSS ${((reading.extra?.rssBytes ?? 0) / 2 ** 20).toFixed(1)} MiB at 300 services`);
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
    const log = (await readFile(`${out}/run.jsonl`, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const verifies = log.filter((rec) => rec.type === 'verify');
    expect(verifies.map((rec) => [rec.checked, rec.failed])).toEqual([
      [100, 0],
      [200, 0],
    ]);
    expect(log.filter((rec) => rec.type === 'listing').every((rec) => rec.matches === true)).toBe(true);
    // The first deploy has nothing served to call; every later one ran with 4 requests in flight, none failed.
    const deploys = log.filter((rec) => rec.type === 'deploy') as Array<{
      underLoad?: { sent: number; failed: number; maxInFlight: number; gatewayProcesses: number };
    }>;
    expect(deploys[0]?.underLoad).toBeUndefined();
    for (const deploy of deploys.slice(1)) {
      expect(deploy.underLoad).toMatchObject({ failed: 0, maxInFlight: 4 });
      expect(deploy.underLoad?.sent).toBeGreaterThan(0);
      // Master, new worker, and the old worker still serving its kept-alive connections.
      expect(deploy.underLoad?.gatewayProcesses).toBeGreaterThanOrEqual(2);
    }
  });

  it('refuses --hard-stop-after for another target, in one line', async () => {
    const r = await gwscale(['run', '--target', 'caddy', '--hard-stop-after', '5s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hard-stop-after is an HAProxy setting; --target is caddy/);
  });
});
