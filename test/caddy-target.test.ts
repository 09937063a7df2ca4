/**
 * The Caddy target against a real Caddy (Debian's `caddy`), started by the adapter on loopback.
 * Needs caddy installed (CI: `bash .ci/system-packages caddy`); a missing caddy fails the test
 * with the install command in the message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import { createCaddyAdapter, routeSpecFor } from '../src/gateways/caddy/index.js';
import { generateServices } from '../src/wsdl/index.js';
import { caddyContext } from './helpers/caddy-context.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { expectRestartServesDeployed, expectStopsByPid } from './helpers/target-checks.js';

/** A SOAP backend stand-in: answers every POST with a small envelope and remembers request headers by path. */
async function startEchoBackend(): Promise<{ url: string; seen: Map<string, IncomingHttpHeaders>; close(): Promise<void> }> {
  const seen = new Map<string, IncomingHttpHeaders>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.set(req.url ?? '', req.headers);
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(
        '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ok/></soapenv:Body></soapenv:Envelope>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('caddy target', () => {
  let workDir: string;
  let backend: Awaited<ReturnType<typeof startEchoBackend>>;
  let adapter: GatewayAdapter;
  let services: ServiceSpec[];
  const logs: string[] = [];

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gwscale-caddy-'));
    backend = await startEchoBackend();
    adapter = createCaddyAdapter(caddyContext(workDir, { backendUrl: backend.url, callTimeoutMs: 30_000, log: (line) => logs.push(line) }));
    services = generateServices({ count: 1500, version: 'mixed', seed: 7, endpointBase: backend.url });
  });

  afterAll(async () => {
    await adapter?.stop();
    await backend?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('starts caddy on loopback and reports its version and pid', async () => {
    const info = await adapter.start();
    expect(info.version).toMatch(/^caddy v2\.\d+/);
    expect(info.pid).toBeGreaterThan(0);
    expect(info.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(adapter.pid()).toBe(info.pid);
  });

  it('registers services in rounds, deploys the full config each round, and Caddy holds exactly them', async () => {
    for (const [from, to] of [
      [0, 500],
      [500, 1000],
      [1000, 1500],
    ] as const) {
      const registerStarted = performance.now();
      for (const spec of services.slice(from, to)) {
        const outcome = await adapter.register(spec);
        expect(outcome).toMatchObject({ created: true, attachedPolicies: 2, operations: 4 });
      }
      const registerMs = Math.round(performance.now() - registerStarted);
      const deploy = await adapter.deploy();
      expect(deploy.state).toBe('deployed');
      // Reported, not asserted (no timed assertions on a shared machine).
      console.log(`caddy: round of ${to - from} (to ${to} routes): register ${registerMs} ms, deploy ${deploy.ms} ms`);
      const counts = await adapter.listing();
      expect(counts.services).toBe(to);
      expect(counts.attachedPolicies).toBe(2 * to);
    }
    // Registering again adds nothing.
    expect(await adapter.register(services[0]!)).toMatchObject({ created: false });
    expect((await adapter.listing()).services).toBe(1500);
  });

  it('sends SOAP through every route: the request policy reaches the backend, the response policy the client', async () => {
    const outcomes = await adapter.verify(services);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(outcomes).toHaveLength(1500);
    const first = services[0]!;
    const headers = backend.seen.get(`/${first.serviceName}`);
    expect(headers?.['x-gw-request-policy']).toBe(first.serviceName);
    expect(headers?.soapaction).toContain('GetQuote');
  });

  it('reads the Go heap after a forced GC, with RSS and goroutines beside it', async () => {
    const reading = await adapter.liveMemory();
    expect(reading.source).toBe('go-heap-alloc-after-gc');
    expect(reading.afterGc).toBe(true);
    expect(reading.bytes).toBeGreaterThan(1024 * 1024);
    expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
    expect(reading.extra?.goroutines).toBeGreaterThan(0);
    expect(reading.extra?.heapInuseBytes).toBeGreaterThan(0);
  });

  it('redeploys an unchanged configuration and keeps serving it', async () => {
    const again = await adapter.deploy();
    expect(again).toMatchObject({ state: 'deployed', detail: 'loaded 1500 routes' });
    const outcomes = await adapter.verify(services.slice(0, 5));
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  });

  it('restarts with the deployed configuration loaded again', async () => {
    await expectRestartServesDeployed(adapter, services);
  });

  it('records a failed verify per service instead of throwing', async () => {
    const unknown = generateServices({ count: 1, version: '1.1', seed: 99, endpointBase: backend.url, startIndex: 900 });
    const outcomes = await adapter.verify(unknown);
    expect(outcomes).toEqual([{ serviceName: unknown[0]!.serviceName, ok: false, status: null, error: 'not registered' }]);
  });

  it('stops by pid, and stopping twice is safe', async () => {
    await expectStopsByPid(adapter);
  });
});

describe('caddy target without caddy', () => {
  it('fails with the command that installs it', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'gwscale-caddy-missing-'));
    try {
      const adapter = createCaddyAdapter(caddyContext(workDir, { callTimeoutMs: 5_000 }), { caddyCommand: join(workDir, 'no-such-caddy') });
      await expect(adapter.start()).rejects.toThrow(/caddy is not installed.*apt-get install -y caddy/);
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});

describe('routeSpecFor', () => {
  it('proxies /<service> as is when the endpoint path is /<service>', () => {
    expect(routeSpecFor('S1', 'http://127.0.0.1:9000/S1/soap12', 'a.wsdl')).toEqual({
      route: { serviceName: 'S1', upstreamDial: '127.0.0.1:9000', rewrite: null },
      probePath: '/S1/soap12',
    });
  });

  it('puts a backend base path in front', () => {
    expect(routeSpecFor('S1', 'http://127.0.0.1:9000/base/S1', 'a.wsdl').route.rewrite).toEqual({ kind: 'prefix', prefix: '/base' });
  });

  it('maps an unrelated endpoint path exactly', () => {
    expect(routeSpecFor('S1', 'http://localhost:9000/ws/orders', 'a.wsdl')).toEqual({
      route: { serviceName: 'S1', upstreamDial: 'localhost:9000', rewrite: { kind: 'exact', path: '/ws/orders' } },
      probePath: '/S1',
    });
  });

  it('refuses endpoints off the loopback, naming the file and the address', () => {
    expect(() => routeSpecFor('S1', 'http://example.com/S1', 'svc-1.wsdl')).toThrow(
      /svc-1\.wsdl: endpoint address http:\/\/example\.com\/S1 of service S1 is not http:\/\/ on the loopback/,
    );
  });
});
