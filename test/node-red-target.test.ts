/**
 * The Node-RED target against a real Node-RED 4.1 installed from npm (into the test run's cache
 * folder, once per run) and started by the adapter on loopback, with the harness's SOAP backend
 * behind it. Needs the npm registry; nothing else from the network.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawnBackend, type SpawnedBackend } from '../src/backend/index.js';
import type { AdapterContext, GatewayAdapter, GatewayInfo } from '../src/gateways/adapter.js';
import {
  compareVersions,
  countOwnTabs,
  createNodeRedAdapter,
  ensureNodeRed,
  satisfiesMinimum,
  serviceTab,
  versionMatches,
} from '../src/gateways/node-red/index.js';
import { generateServices } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { gwscale } from './helpers/cli.js';
import { targetContext } from './helpers/target-context.js';
import { expectEveryServiceAnswers, expectRegistersInRounds, expectRestartServesDeployed, expectStopsByPid } from './helpers/target-checks.js';
import { tempDir } from './helpers/temp-dir.js';

const workDir = tempDir('gwscale-node-red-');
const cacheDir = inject('gwscaleCacheDir');
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;

function context(dir: string, backendUrl: string, logs: string[], gatewayVersion = '4.1.x'): AdapterContext {
  return targetContext(dir, { backendUrl, password: PASSWORD, log: (line) => logs.push(line), targetOptions: { gatewayVersion } });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('node-red target', () => {
  let backend: SpawnedBackend;
  let adapter: GatewayAdapter;
  let info: GatewayInfo;
  let services: ServiceSpec[];
  const logs: string[] = [];

  beforeAll(async () => {
    // As a user who hands the password over in the environment does: Node-RED must not inherit it.
    process.env.GWSCALE_GATEWAY_PASSWORD = PASSWORD;
    backend = await spawnBackend({ latencyMs: 0 });
    adapter = createNodeRedAdapter(context(`${workDir}/main`, backend.url, logs), { cacheDir });
    services = generateServices({ count: 300, version: 'mixed', seed: 11, endpointBase: backend.url });
  }, 600_000);

  afterAll(async () => {
    delete process.env.GWSCALE_GATEWAY_PASSWORD;
    await adapter?.stop();
    await backend?.stop();
  });

  it(
    'installs the newest 4.1 from npm into the cache (once, safe against a second install racing it) and starts it on loopback behind an admin login',
    { timeout: 600_000 },
    async () => {
      // A second run installing the same version at the same moment: both end with the one complete folder.
      const [started, other] = await Promise.all([adapter.start(), ensureNodeRed('4.1.x', { cacheDir })]);
      info = started;
      expect(info.version).toBe(`Node-RED ${other.version}`);
      expect(readdirSync(join(cacheDir, 'node-red')).filter((name) => name === other.version)).toHaveLength(1);
      expect(await ensureNodeRed(other.version, { cacheDir, npmCommand: `${workDir}/no-such-npm` })).toMatchObject({
        version: other.version,
        installed: false,
      });
      expect(info.version).toMatch(/^Node-RED 4\.1\.\d+$/);
      expect(info.pid).toBeGreaterThan(0);
      expect(info.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Without the token the admin API refuses.
      expect((await fetch(`${info.adminUrl}/flows`)).status).toBe(401);
      const version = info.version.replace('Node-RED ', '');
      expect(statSync(join(cacheDir, 'node-red', version, 'node_modules', 'node-red', 'red.js')).isFile()).toBe(true);
    },
  );

  it('registers services in rounds, deploys the whole flow configuration each round, and Node-RED lists exactly them', async () => {
    await expectRegistersInRounds(
      adapter,
      services,
      100,
      { detail: (to) => new RegExp(`^${to} tabs \\(\\d+ nodes\\) started, revision [0-9a-f]+`), attachedPolicies: (to) => 2 * to },
      async (to) => {
        // The deploy returned once the runtime said the flows started: the round's last service answers at once.
        expect((await adapter.verify(services.slice(to - 1, to))).filter((o) => !o.ok)).toEqual([]);
      },
    );
  });

  it('sends SOAP through every service: the request policy reaches the backend, the response policy the client', async () => {
    await expectEveryServiceAnswers(adapter, services);
    // A SOAP 1.2 endpoint below the service's path has its own http in node on the same tab.
    const spec = services.find((s) => s.wsdlText.includes('/soap12'));
    expect(spec).toBeDefined();
    const address = /(?:location|address)="([^"]*\/soap12)"/.exec(spec!.wsdlText)?.[1] ?? '';
    const answer = await fetch(adapter.requestUrl(spec!, address), {
      method: 'POST',
      headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
      body: '<x/>',
    });
    await answer.text();
    // Not Node-RED's 404: the flow ran to its response policy (the backend's fault for '<x/>' echoes no header).
    expect(answer.headers.get('x-gw-response-policy')).toMatch(new RegExp(`^${spec!.serviceName}; request=`));
  });

  it('reads the V8 heap after a forced GC through the inspector, with RSS beside it, and the heap in use without GC', async () => {
    const reading = await adapter.liveMemory();
    expect(reading).toMatchObject({ source: 'v8-heap-after-gc', afterGc: true, extra: { rssBytes: expect.any(Number), heapTotalBytes: expect.any(Number) } });
    expect(reading.bytes).toBeGreaterThan(10 * 2 ** 20);
    expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
    const inUse = await adapter.heapInUseSource?.()?.read();
    expect(inUse).toMatchObject({ source: 'v8-heap-used', afterGc: false });
    console.log(
      `node-red: heap after GC ${(reading.bytes / 2 ** 20).toFixed(1)} MiB, RSS ${((reading.extra?.rssBytes ?? 0) / 2 ** 20).toFixed(1)} MiB at 300 services`,
    );
  });

  it('keeps the password out of its files, logs, command line and environment', () => {
    const base = readdirSync(`${workDir}/main`).find((n) => n.startsWith('node-red-base-'))!;
    const settings = join(workDir, 'main', base, 'settings.js');
    expect(statSync(settings).mode & 0o777).toBe(0o600);
    expect(readFileSync(settings, 'utf8')).toMatch(/"password": "\$2[aby]\$08\$/);
    for (const file of filesUnder(join(workDir, 'main', base))) expect(readFileSync(file, 'latin1').includes(PASSWORD), file).toBe(false);
    expect(logs.join('\n')).not.toContain(PASSWORD);
    expect(readFileSync(`/proc/${adapter.pid()!}/cmdline`, 'latin1')).not.toContain(PASSWORD);
    expect(readFileSync(`/proc/${adapter.pid()!}/environ`, 'latin1')).not.toContain(PASSWORD);
  });

  it('restarts with the deployed flows started again', async () => {
    await expectRestartServesDeployed(adapter, services);
  });

  it('stops by pid, and stopping twice is safe', async () => {
    await expectStopsByPid(adapter);
  });
});

describe('node-red install', () => {
  it('resolves version ranges and reads engines', () => {
    expect(versionMatches('4.1.x', '4.1.15')).toBe(true);
    expect(versionMatches('4.1', '4.10.0')).toBe(false);
    expect(versionMatches('4.1.x', '4.1.0-beta.1')).toBe(false);
    expect(['4.1.9', '4.1.15', '4.1.10'].sort(compareVersions)).toEqual(['4.1.9', '4.1.10', '4.1.15']);
    expect(satisfiesMinimum('>=22.9', '20.20.2')).toBe(false);
    expect(satisfiesMinimum('>=18.5', '20.20.2')).toBe(true);
    expect(satisfiesMinimum('^18 || ^20', '20.20.2')).toBeNull();
  });

  it('says that Node-RED 5 needs a newer Node.js than this one, in one line', async () => {
    const error = await ensureNodeRed('5.0.x', { cacheDir: `${workDir}/cache-5`, nodeVersion: '20.20.2' }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      kind: 'gateway',
      message: expect.stringMatching(/^Node-RED 5\.0\.\d+ needs Node\.js >=22\.\d+; gwscale runs it on this Node\.js 20\.20\.2$/),
    });
  });

  it('gives one clear line when npm fails or knows no such version', async () => {
    await expect(ensureNodeRed('4.1.x', { cacheDir: `${workDir}/cache-none`, npmCommand: `${workDir}/no-such-npm` })).rejects.toThrow(
      /^could not look up node-red@4\.1\.x with npm: npm not found on PATH$/,
    );
    await expect(ensureNodeRed('9.9.9', { cacheDir: `${workDir}/cache-none` })).rejects.toThrow(/^npm knows no node-red version matching 9\.9\.9$/);
    await expect(ensureNodeRed('latest', { cacheDir: `${workDir}/cache-none` })).rejects.toThrow(
      /--gateway-version latest: expected a Node-RED version such as 3\.1\.15, 4\.1\.x or 4\.1/,
    );
  });

  it('builds one tab per service from core nodes, and counts only its own tabs', () => {
    const tab = serviceTab({ serviceName: 'S1', route: { host: '127.0.0.1', port: 9000, rewrite: null, probePath: '/S1' }, paths: ['/S1', '/S1/soap12'] });
    expect(tab.map((n) => n.type)).toEqual(['tab', 'http in', 'http in', 'change', 'http request', 'change', 'http response']);
    const foreign = [
      { id: 't2', type: 'tab', label: 'someone else' },
      { id: 'c2', type: 'change', z: 't2', name: 'gw-request-policy' },
    ];
    expect(countOwnTabs([...tab, ...foreign])).toEqual({ tabs: 1, requestPolicies: 1, responsePolicies: 1 });
  });
});

describe('gwscale run --target node-red', () => {
  it('refuses --gateway-version for another target, and a version that is not one, in one line', async () => {
    const other = await gwscale(['run', '--target', 'caddy', '--gateway-version', '4.1.x']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--gateway-version is a Node-RED setting; --target is caddy/);
    const bad = await gwscale(['run', '--target', 'node-red', '--gateway-version', '4.1.x; rm']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--gateway-version 4\.1\.x; rm: expected a Node-RED version/);
  });
});
