/**
 * `gwscale run --attach`: the reference gateway started here on its own (as operations would start
 * a gateway), then measured through recipes/reference.json; its verdict and memory per service
 * agree with the built-in reference target's on the same run plan, and `--cleanup` (or `gwscale
 * cleanup RUN_DIR` later) leaves the gateway's listing as it was, its own service included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { distScript } from '../src/process/dist-script.js';
import { spawnServer, type ServerProcess } from '../src/process/server-process.js';
import { createServiceGenerator } from '../src/wsdl/index.js';
import { gwscale, stopAll } from './helpers/cli.js';
import { isAlive } from './helpers/process.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-attach-');
const credentials = { user: 'ops', password: `attach-${Math.random().toString(36).slice(2)}` };
const env = { ...process.env, GWSCALE_GATEWAY_USER: credentials.user, GWSCALE_GATEWAY_PASSWORD: credentials.password };

interface Gateway {
  readonly process: ServerProcess;
  readonly adminUrl: string;
}
const gateways = new Map<string, Gateway>();

/** Starts the reference gateway as its own process, the way an operator would, and waits for its handshake line. */
async function startGateway(profile: string): Promise<Gateway> {
  let onReady: (urls: { adminUrl: string }) => void = () => undefined;
  const ready = new Promise<{ adminUrl: string }>((resolve) => (onReady = resolve));
  const proc = await spawnServer({
    name: `reference gateway (${profile})`,
    command: process.execPath,
    args: ['--expose-gc', distScript('reference-gateway/main.js'), '--data-dir', join(dir, `data-${profile}`), '--profile', profile],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GWSCALE_GATEWAY_USER: credentials.user, GWSCALE_GATEWAY_PASSWORD: credentials.password },
    exitWithParent: true,
    onLine: (line, stream) => {
      if (stream === 'stdout' && line.startsWith('{"event":"listening"')) onReady(JSON.parse(line) as { adminUrl: string });
    },
  });
  const { adminUrl } = await ready;
  return { process: proc, adminUrl };
}

async function admin<T>(gateway: Gateway, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gateway.adminUrl}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

interface Listing {
  store: { serviceGroups: number; services: number };
  active: { services: number } | null;
}

beforeAll(async () => {
  for (const profile of ['healthy', 'retain-configs']) {
    const gateway = await startGateway(profile);
    gateways.set(profile, gateway);
    // A service of the operators' own, which the run must leave alone.
    const own = createServiceGenerator({ version: '1.1', seed: 99, endpointBase: 'http://127.0.0.1:9' })(0);
    await admin(gateway, 'POST', '/api/groups', { name: 'operations-own' });
    await admin(gateway, 'POST', '/api/groups/operations-own/services', { wsdlText: own.wsdlText, source: 'own.wsdl' });
    await admin(gateway, 'POST', '/api/deploy');
  }
});

afterAll(async () => {
  await stopAll();
  for (const { process: proc } of gateways.values()) {
    await proc.stop(5_000);
    expect(isAlive(proc.pid)).toBe(false);
  }
});

interface ReportLike {
  target: string;
  verdict: { kind: string };
  perServiceBytes: number | null;
  estimates: { perService: { ci95: [number, number] } | null };
}
const readReport = (out: string): ReportLike => JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportLike;

/** Run plans long enough for each profile's verdict to be decided, short enough for a test. */
const plans: Readonly<Record<string, readonly string[]>> = {
  // Redeploys until the sequential test decides: a fixed few can leave one of two noisy runs undecided.
  healthy: ['--services', '100', '--batch', '50', '--redeploys', 'auto:12', '--readings', '3', '--reading-interval-ms', '20', '--verify', 'new'],
  // Four rounds: each deploy of the whole configuration keeps the last one, so memory grows faster than linear.
  'retain-configs': ['--services', '100', '--batch', '25', '--redeploys', '2', '--readings', '2', '--reading-interval-ms', '20', '--verify', 'new'],
};

/** The built-in target and the recipe attached to the gateway started above, side by side on one plan. */
async function bothWays(
  profile: string,
  attachFlags: readonly string[],
): Promise<{ builtIn: ReportLike; attached: ReportLike; attachedOut: string; stderr: string }> {
  const gateway = gateways.get(profile);
  if (gateway === undefined) throw new Error(`no ${profile} gateway`);
  const builtInOut = join(dir, `builtin-${profile}`);
  const attachedOut = join(dir, `attached-${profile}`);
  const plan = plans[profile] ?? [];
  const [b, a] = await Promise.all([
    gwscale(['run', '--profile', profile, ...plan, '--out', builtInOut], { timeoutMs: 90_000 }),
    gwscale(
      [
        'run',
        '--attach',
        '--admin-url',
        gateway.adminUrl,
        '--target',
        'recipe:recipes/reference.json',
        '--profile',
        profile,
        ...plan,
        ...attachFlags,
        '--out',
        attachedOut,
      ],
      { env, timeoutMs: 90_000 },
    ),
  ]);
  expect(a.stderr).not.toContain(credentials.password);
  expect(readFileSync(join(attachedOut, 'run.jsonl'), 'utf8')).not.toContain(credentials.password);
  expect([b.code, a.code]).toEqual([b.code, b.code]);
  return { builtIn: readReport(builtInOut), attached: readReport(attachedOut), attachedOut, stderr: a.stderr };
}

/** The two estimates' 95 % intervals overlap: they agree within what each run can tell. */
function expectSameMemoryPerService(builtIn: ReportLike, attached: ReportLike): void {
  const [bl, bh] = builtIn.estimates.perService?.ci95 ?? [NaN, NaN];
  const [al, ah] = attached.estimates.perService?.ci95 ?? [NaN, NaN];
  console.log(`memory per service: built-in ${builtIn.perServiceBytes} [${bl}, ${bh}], attached recipe ${attached.perServiceBytes} [${al}, ${ah}]`);
  expect(al).toBeLessThanOrEqual(bh);
  expect(bl).toBeLessThanOrEqual(ah);
}

describe('gwscale run --attach --target recipe:recipes/reference.json', () => {
  it('healthy: the same verdict and memory per service as the built-in target, and --cleanup leaves the listing as it was', async () => {
    const gateway = gateways.get('healthy') as Gateway;
    const before = await admin<Listing>(gateway, 'GET', '/api/listing');
    const { builtIn, attached, attachedOut, stderr } = await bothWays('healthy', ['--cleanup']);
    expect(attached.target).toMatch(/^recipe:.*recipes\/reference\.json$/);
    expect(attached.verdict.kind).toBe(builtIn.verdict.kind);
    expect(builtIn.verdict.kind).toBe('healthy');
    expectSameMemoryPerService(builtIn, attached);
    expect(stderr).toContain('cleanup: removed 100 services');
    const after = await admin<Listing>(gateway, 'GET', '/api/listing');
    expect(after.store).toEqual(before.store);
    expect(after.active?.services).toBe(before.active?.services);
    // The gateway gwscale did not start is still running.
    expect(isAlive(gateway.process.pid)).toBe(true);
    const log = readFileSync(join(attachedOut, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string });
    expect(log.filter((r) => r.type === 'entity')).toHaveLength(100);
    expect(log.at(-1)?.type).toBe('cleanup');
  }, 120_000);

  it('retain-configs: the same leak verdict; gwscale cleanup RUN_DIR removes what the run left', async () => {
    const gateway = gateways.get('retain-configs') as Gateway;
    const before = await admin<Listing>(gateway, 'GET', '/api/listing');
    const { builtIn, attached, attachedOut } = await bothWays('retain-configs', []);
    expect(builtIn.verdict.kind).toBe('leak');
    expect(attached.verdict.kind).toBe('leak');
    expectSameMemoryPerService(builtIn, attached);
    expect((await admin<Listing>(gateway, 'GET', '/api/listing')).store.services).toBe(before.store.services + 100);
    const cleanup = await gwscale(['cleanup', attachedOut], { env, timeoutMs: 60_000 });
    expect(cleanup.stdout).toContain('removed 100 services');
    expect(cleanup.code).toBe(ExitCode.Ok);
    const after = await admin<Listing>(gateway, 'GET', '/api/listing');
    expect(after.store).toEqual(before.store);
    expect(after.active?.services).toBe(before.active?.services);
    // A second cleanup finds nothing left to remove.
    expect((await gwscale(['cleanup', attachedOut], { env, timeoutMs: 60_000 })).stdout).toContain('removed 0 services');
  }, 120_000);

  it('Ctrl-C during an attached run still removes what it registered (--cleanup), and the run log says so', async () => {
    const gateway = gateways.get('healthy') as Gateway;
    const before = await admin<Listing>(gateway, 'GET', '/api/listing');
    const out = join(dir, 'interrupted');
    let interrupted = false;
    const result = await gwscale(
      [
        'run',
        '--attach',
        '--admin-url',
        gateway.adminUrl,
        '--target',
        'recipe:recipes/reference.json',
        '--services',
        '2000',
        '--batch',
        '40',
        '--readings',
        '1',
        '--verify',
        'none',
        '--cleanup',
        '--out',
        out,
      ],
      {
        env,
        timeoutMs: 90_000,
        onStart: (child) => {
          let seen = '';
          child.stderr?.on('data', (chunk: Buffer) => {
            seen += chunk.toString();
            // SIGINT once the second round was measured: services are registered by then.
            if (!interrupted && /round @ 80 services/.test(seen)) {
              interrupted = true;
              child.kill('SIGINT');
            }
          });
        },
      },
    );
    expect(interrupted).toBe(true);
    expect(result.code).toBe(ExitCode.Interrupted);
    const removed = Number(/cleanup: removed (\d+) services/.exec(result.stderr)?.[1]);
    expect(removed).toBeGreaterThanOrEqual(80);
    const log = readFileSync(join(out, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; removed?: number });
    // Registrations cut short by Ctrl-C are removed too, though they never finished (so never logged).
    const logged = log.filter((r) => r.type === 'entity').length;
    expect(logged).toBeGreaterThanOrEqual(80);
    expect(removed - logged).toBeLessThanOrEqual(8);
    expect(log.find((r) => r.type === 'cleanup')?.removed).toBe(removed);
    const after = await admin<Listing>(gateway, 'GET', '/api/listing');
    expect(after.store).toEqual(before.store);
    expect(after.active?.services).toBe(before.active?.services);
  }, 120_000);

  it('refuses an admin URL off loopback without --allow-remote, and a remote write nobody confirmed, before any call', async () => {
    const base = ['run', '--attach', '--target', 'recipe:recipes/reference.json', '--services', '10', '--batch', '10'];
    const remote = await gwscale([...base, '--admin-url', 'http://192.0.2.1:8001', '--out', join(dir, 'remote')], { env, timeoutMs: 30_000 });
    expect(remote.code).toBe(ExitCode.Usage);
    expect(remote.stderr).toContain('--admin-url: http://192.0.2.1:8001 is not on loopback');
    const unconfirmed = await gwscale([...base, '--admin-url', 'http://192.0.2.1:8001', '--allow-remote', '--out', join(dir, 'remote2')], {
      env,
      timeoutMs: 30_000,
    });
    expect(unconfirmed.code).toBe(ExitCode.Usage);
    expect(unconfirmed.stderr).toContain('is not on this machine and nothing was confirmed, so nothing was written');
    expect(unconfirmed.stderr).toContain('register 10 services in rounds of 10');
    const builtIn = await gwscale(
      ['run', '--attach', '--admin-url', 'http://127.0.0.1:1', '--services', '10', '--batch', '10', '--out', join(dir, 'builtin-attach')],
      { env, timeoutMs: 30_000 },
    );
    expect(builtIn.stderr).toContain('--attach: the built-in target reference starts its own gateway');
  }, 60_000);
});
