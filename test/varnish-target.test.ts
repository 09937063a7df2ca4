/**
 * The Varnish target against a real Varnish 7.1 (Debian's `varnish`), varnishd started by the adapter
 * on loopback with its own secret file. Needs varnish installed (CI: `bash .ci/system-packages
 * varnish`); a missing varnishd fails the test with the install command in the message.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter, GatewayInfo } from '../src/gateways/adapter.js';
import { createVarnishAdapter, parseVclList, VARNISH_INSTALL_COMMAND, vclFor } from '../src/gateways/varnish/index.js';
import { generateServices } from '../src/wsdl/index.js';
import type { ServiceSpec } from '../src/wsdl/model.js';
import { gwscale } from './helpers/cli.js';
import { slowRequest, startEchoBackend, type EchoBackend } from './helpers/echo-backend.js';
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

const workDir = tempDir('gwscale-varnish-');

function context(dir: string, backendUrl: string, logs: string[], discardOld?: boolean): AdapterContext {
  const targetOptions = discardOld === undefined ? {} : { targetOptions: { discardOld } };
  return targetContext(dir, { backendUrl, password: 'not-used-by-varnish', log: (line) => logs.push(line), ...targetOptions });
}

describe('varnish target', () => {
  let backend: EchoBackend;
  let adapter: GatewayAdapter;
  let info: GatewayInfo;
  let services: ServiceSpec[];
  const logs: string[] = [];

  beforeAll(async () => {
    backend = await startEchoBackend();
    adapter = createVarnishAdapter(context(`${workDir}/main`, backend.url, logs));
    services = generateServices({ count: 120, version: 'mixed', seed: 7, endpointBase: backend.url });
  });

  afterAll(async () => {
    await adapter?.stop();
    await backend?.close();
  });

  it('starts varnishd on loopback with a small shared log, the admin secret only in a 0600 file', async () => {
    info = await adapter.start();
    expect(info.version).toMatch(/^varnish-7\.\d+\.\d+/);
    expect(info.pid).toBeGreaterThan(0);
    expect(info.dataUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const [base] = (await readdir(`${workDir}/main`)).filter((d) => d.startsWith('varnish-base-'));
    const secretFile = `${workDir}/main/${base!}/secret`;
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const secret = (await readFile(secretFile, 'utf8')).trim();
    const cmdline = (await readFile(`/proc/${info.pid}/cmdline`, 'utf8')).split('\0');
    expect(cmdline).toContain('-l');
    expect(cmdline[cmdline.indexOf('-l') + 1]).toBe('2M');
    expect(cmdline.join(' ')).not.toContain(secret);
  });

  it('registers services in rounds, loads and uses the whole VCL each round, discards the earlier one, and Varnish lists exactly them', async () => {
    // On a busy machine a worker thread may still hold the earlier VCL when the 2 s wait ends; it is discarded anyway and said so.
    await expectRegistersInRounds(adapter, services, 60, {
      detail: (to) =>
        new RegExp(`^loaded VCL gwscale_\\d+ with ${to} backends \\(compiled in \\d+ ms\\); discarded 1 earlier VCLs( \\(1 still held by requests\\))?$`),
      attachedPolicies: (to) => 2 * to,
    });
  });

  it('sends SOAP through every service: the request policy reaches the backend, the response policy the client', async () => {
    await expectEveryServiceAnswers(adapter, services);
    const first = services[0]!;
    expect(backend.seen.get(`/${first.serviceName}`)?.['x-gw-request-policy']).toBe(first.serviceName);
  });

  it('reads PSS summed over the manager and the child, with RSS, the process count and the loaded VCLs beside it', async () => {
    await expectPssTreeReading(adapter, { processes: 2, loadedVcls: 1 }, 120);
  });

  it('deploys while a request is in flight: the request is answered, and the old VCL is discarded', async () => {
    const inFlight = slowRequest(info.dataUrl, `/${services[1]!.serviceName}`, 1_500);
    await new Promise((r) => setTimeout(r, 200));
    const deploy = await adapter.deploy();
    expect(deploy.state).toBe('deployed');
    expect(await inFlight).toBe(200);
    let reading = await adapter.liveMemory();
    expect(reading.extra).toMatchObject({ processes: 2, loadedVcls: 1 });
    // A discarded VCL is freed once no worker thread holds it; one still held is counted, not hidden.
    // A thread lets go when it serves its next request: on a loaded machine that can take a few.
    for (let i = 0; i < 20 && (reading.extra?.discardedHeldVcls ?? 0) > 1; i++) {
      await fetch(`${info.dataUrl}/${services[0]!.serviceName}`, { method: 'POST', body: '' }).then((r) => r.arrayBuffer());
      await new Promise((r) => setTimeout(r, 100));
      reading = await adapter.liveMemory();
    }
    expect(reading.extra?.discardedHeldVcls).toBeLessThanOrEqual(1);
  });

  it('restarts with the deployed VCL loaded again', async () => {
    await expectRestartServesDeployed(adapter, services);
  });

  it('stops by pid, and stopping twice is safe', async () => {
    await expectStopsByPid(adapter);
  });
});

describe('varnish --discard-old false', () => {
  it('keeps every earlier VCL loaded, and they show in the readings', async () => {
    const backend = await startEchoBackend();
    const adapter = createVarnishAdapter(context(`${workDir}/keep`, backend.url, [], false));
    try {
      await adapter.start();
      for (const spec of generateServices({ count: 5, version: '1.1', seed: 3, endpointBase: backend.url })) await adapter.register(spec);
      for (let i = 0; i < 3; i++)
        expect(await adapter.deploy()).toMatchObject({ state: 'deployed', detail: expect.stringMatching(/earlier VCLs kept \(--discard-old false\)$/) });
      // boot + three deployed VCLs, all still loaded.
      expect((await adapter.liveMemory()).extra).toMatchObject({ processes: 2, loadedVcls: 4, discardedHeldVcls: 0 });
    } finally {
      await adapter.stop();
      await backend.close();
    }
  });
});

describe('varnish target, parts and missing binary', () => {
  it('fails with the command that installs it', async () => {
    const adapter = createVarnishAdapter(context(`${workDir}/missing`, 'http://127.0.0.1:1', []), { varnishdCommand: `${workDir}/no-such-varnishd` });
    await expect(adapter.start()).rejects.toThrow(`varnish is not installed (${workDir}/no-such-varnishd not found): run \`${VARNISH_INSTALL_COMMAND}\``);
  });

  it('parses vcl.list and writes one backend, route and pair of policies per service', () => {
    expect(parseVclList('active      auto    warm         1    gwscale_2\ndiscarded   cold    busy         1    boot\n')).toEqual([
      { status: 'active', state: 'auto', temperature: 'warm', busy: 1, name: 'gwscale_2' },
      { status: 'discarded', state: 'cold', temperature: 'busy', busy: 1, name: 'boot' },
    ]);
    const vcl = vclFor({
      generation: 4,
      backendTimeoutS: 60,
      services: [{ serviceName: 'S.1', index: 0, host: '127.0.0.1', port: 9000, rewrite: { kind: 'prefix', prefix: '/base' } }],
    });
    expect(vcl).toContain('backend gwscale_svc_0 { .host = "127.0.0.1"; .port = "9000";');
    expect(vcl).toContain('if (req.url ~ "^/S\\.1(/|\\?|$)") {');
    expect(vcl).toContain('set req.url = "/base" + req.url;');
    expect(vcl).toContain('return (synth(200, "generation-4"))');
  });
});

describe('gwscale run --target varnish', () => {
  it('runs rounds and redeploys under load with every probe answered, listing matching, and the process and VCL counts in every row', async () => {
    const out = `${workDir}/cli-run`;
    const r = await gwscale(
      [
        'run',
        '--target',
        'varnish',
        '--services',
        '40',
        '--batch',
        '20',
        '--redeploys',
        '2',
        '--verify',
        'all',
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
      {
        timeoutMs: 180_000,
      },
    );
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      settings: Record<string, unknown>;
      rounds: Array<{ role: string; memorySource: string; peakSource?: string; extra?: Record<string, number> }>;
    };
    expect(report.settings).toMatchObject({ target: 'varnish', discardOld: true, deployUnderLoad: 4 });
    for (const row of report.rounds) {
      expect(row.memorySource).toBe('pss-tree');
      expect(row.extra).toMatchObject({ processes: 2, loadedVcls: 1, discardedHeldVcls: expect.any(Number) });
      // Deploy peaks on manager + child, like the readings (the compiler vcl.load runs left out).
      if (row.role !== 'fresh-start') expect(row.peakSource).toBe('pss-tree');
    }
    expectRunLogVerifiedUnderLoad(out, [20, 40], { gatewayProcesses: 2 });
  });
});
