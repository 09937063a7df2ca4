/**
 * Tomcat's two redeploy modes against a real Tomcat 10 on loopback: `full` uploads every WAR again
 * (Tomcat undeploys the context and deploys a new one), `reload` restarts the existing context.
 * Both must serve every service after each redeploy and unload the classes of the old loaders; the
 * class and classloader counts are what the report shows for either mode.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { AdapterContext, GatewayAdapter, RedeployMode } from '../src/gateways/adapter.js';
import { createTomcatAdapter, DEFAULT_REDEPLOY_MODE } from '../src/gateways/tomcat/index.js';
import { generateServices } from '../src/wsdl/index.js';
import { gwscale } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const BACKEND = 'http://127.0.0.1:9';
const SERVICES = 12;
const REDEPLOYS = 3;
const workDir = tempDir('gwscale-tomcat-redeploy-');

function context(mode: RedeployMode | undefined, logs: string[]): AdapterContext {
  return Object.freeze({
    workDir: `${workDir}/${mode ?? 'default'}`,
    profile: 'default',
    heapMb: 256,
    wsdlBaseUrl: 'http://127.0.0.1:1',
    backendUrl: BACKEND,
    callTimeoutMs: 60_000,
    credentials: { user: 'gwscale', password: randomBytes(18).toString('base64url') },
    log: (line: string) => logs.push(line),
    ...(mode === undefined ? {} : { targetOptions: { redeployMode: mode } }),
  });
}

describe.each([
  { mode: undefined, words: 'redeployed 6 contexts in full', label: 'default (full)' },
  { mode: 'reload' as const, words: 'reloaded 6 contexts', label: 'reload' },
])('tomcat redeploy mode $label', ({ mode, words }) => {
  const logs: string[] = [];
  const services = generateServices({ count: SERVICES, version: '1.1', seed: 5, endpointBase: BACKEND });
  let adapter: GatewayAdapter | undefined;

  afterAll(async () => {
    await adapter?.stop();
  });

  it(`redeploys every deployed context ${REDEPLOYS} times, serving all of them after each`, async () => {
    adapter = createTomcatAdapter(context(mode, logs));
    await adapter.start();
    for (const spec of services.slice(0, 6)) await adapter.register(spec);
    expect(await adapter.deploy()).toMatchObject({ state: 'deployed', detail: expect.stringMatching(/^uploaded 6 WARs, /) });
    const first = await adapter.liveMemory();
    for (const spec of services.slice(6)) await adapter.register(spec);
    const round = await adapter.deploy();
    expect(round).toMatchObject({ state: 'deployed', detail: `uploaded 6 WARs, ${words}` });
    for (let r = 0; r < REDEPLOYS; r++) {
      const redeploy = await adapter.deploy();
      expect(redeploy.state).toBe('deployed');
      expect(redeploy.state === 'deployed' ? redeploy.detail : '').toMatch(new RegExp(`^uploaded 0 WARs, ${words.replace(/6/, String(SERVICES))}$`));
      console.log(`tomcat ${mode ?? DEFAULT_REDEPLOY_MODE}: redeploy ${r + 1} of ${SERVICES} contexts in ${redeploy.ms} ms`);
      const outcomes = await adapter.verify(services);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    }
    const counts = await adapter.listing();
    expect(counts).toMatchObject({ services: SERVICES, attachedPolicies: 2 * SERVICES });

    const last = await adapter.liveMemory();
    // One classloader per started webapp (ours and the manager), whatever the mode.
    expect(last.extra?.webappClassLoaders).toBe(SERVICES + 1);
    expect(first.extra?.webappClassLoaders).toBe(6 + 1);
    // 6 + 3 × 12 contexts were replaced or restarted: their JSP classes must be gone with their loaders.
    expect((last.extra?.unloadedClasses ?? 0) - (first.extra?.unloadedClasses ?? 0)).toBeGreaterThanOrEqual(6 + REDEPLOYS * SERVICES);
    expect(last.extra?.leakedContexts).toBe(0);
    console.log(
      `tomcat ${mode ?? DEFAULT_REDEPLOY_MODE}: heap after GC ${(first.bytes / 2 ** 20).toFixed(1)} -> ${(last.bytes / 2 ** 20).toFixed(1)} MiB; ` +
        `loaded ${last.extra?.loadedClasses}, unloaded ${last.extra?.unloadedClasses}, webapp classloaders ${last.extra?.webappClassLoaders}`,
    );
  });
});

describe('gwscale run --target tomcat --redeploy-mode', () => {
  it('records the mode in the run settings and shows class and classloader counts per row in the report', async () => {
    const out = `${workDir}/cli-run`;
    const r = await gwscale(
      [
        'run',
        '--target',
        'tomcat',
        '--services',
        '4',
        '--batch',
        '2',
        '--redeploys',
        '2',
        '--redeploy-mode',
        'reload',
        '--gateway-heap-mb',
        '256',
        '--fail-on',
        'none',
        '--out',
        out,
        '--json',
      ],
      { timeoutMs: 180_000 },
    );
    expect(r.stderr).not.toMatch(/did not answer through the gateway|does not match/);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { settings: Record<string, unknown>; rounds: Array<{ role: string; extra?: Record<string, number> }> };
    expect(report.settings.redeployMode).toBe('reload');
    const redeploys = report.rounds.filter((row) => row.role === 'redeploy');
    expect(redeploys).toHaveLength(2);
    for (const row of redeploys) {
      expect(row.extra).toMatchObject({ webappClassLoaders: 4 + 1, loadedClasses: expect.any(Number), unloadedClasses: expect.any(Number) });
    }
    const html = await readFile(`${out}/report.html`, 'utf8');
    expect(html).toMatch(/redeploy mode<\/t[hd]><td>reload/i);
    expect(html).toContain('webappClassLoaders');
  });
});
