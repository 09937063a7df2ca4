/**
 * The leak signals of the Tomcat target can fire: WARs whose JSP pins its own classloader are
 * redeployed (in full, and by reload), and `liveMemory` must then report the leaked contexts (Tomcat's findleaks) and show
 * that the reloaded classes were not unloaded.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import { createTomcatAdapter } from '../src/gateways/tomcat/index.js';
import { generateServices } from '../src/wsdl/index.js';

const BACKEND = 'http://127.0.0.1:9';
const WARS = 10;

describe.each([
  { redeployMode: 'full' as const, words: `redeployed ${WARS} contexts in full` },
  { redeployMode: 'reload' as const, words: `reloaded ${WARS} contexts` },
])('tomcat target with a planted classloader leak, redeploy mode $redeployMode', ({ redeployMode, words }) => {
  let workDir: string;
  let adapter: GatewayAdapter;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gwscale-tomcat-leak-'));
    adapter = createTomcatAdapter(
      Object.freeze({
        workDir,
        profile: 'default',
        heapMb: 256,
        wsdlBaseUrl: 'http://127.0.0.1:1',
        backendUrl: BACKEND,
        callTimeoutMs: 60_000,
        credentials: { user: 'gwscale', password: randomBytes(18).toString('base64url') },
        log: () => undefined,
        targetOptions: { redeployMode },
      }),
      { plantClassloaderLeak: true },
    );
  });

  afterAll(async () => {
    await adapter?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('reports every replaced or reloaded context as leaked, and their classes stay loaded', async () => {
    await adapter.start();
    const services = generateServices({ count: WARS, version: '1.1', seed: 5, endpointBase: BACKEND });
    for (const spec of services) await adapter.register(spec);
    expect((await adapter.deploy()).state).toBe('deployed');
    // The JSP pins itself when it starts; a request makes sure every one has started.
    expect((await adapter.verify(services)).filter((o) => !o.ok)).toEqual([]);
    const before = await adapter.liveMemory();
    expect(before.extra?.leakedContexts).toBe(0);

    expect(await adapter.deploy()).toMatchObject({ state: 'deployed', detail: `uploaded 0 WARs, ${words}` });
    const after = await adapter.liveMemory();
    expect(after.extra?.leakedContexts).toBeGreaterThanOrEqual(WARS);
    // The old JSP classes cannot be unloaded while their loaders are pinned.
    expect((after.extra?.unloadedClasses ?? 0) - (before.extra?.unloadedClasses ?? 0)).toBeLessThan(WARS);
    expect(after.extra?.loadedClasses).toBeGreaterThan(before.extra?.loadedClasses ?? Infinity);
  });
});
