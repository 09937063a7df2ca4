/**
 * Caddy at scale: 10,000 services registered in rounds of 2,500, the full configuration deployed
 * every round. Counts are confirmed through Caddy's own config API and the live heap grows with
 * the routes. Deploy times are printed, not asserted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import { createCaddyAdapter } from '../src/gateways/caddy/index.js';
import { createServiceGenerator } from '../src/wsdl/index.js';
import { caddyContext } from './helpers/caddy-context.js';

const TOTAL = 10_000;
const BATCH = 2_500;

describe('caddy target at 10,000 services', () => {
  let workDir: string;
  let backend: Server;
  let backendUrl: string;
  let adapter: GatewayAdapter;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'gwscale-caddy-scale-'));
    backend = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end('<ok/>'));
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    adapter = createCaddyAdapter(caddyContext(workDir, { backendUrl }));
  });

  afterAll(async () => {
    await adapter?.stop();
    await new Promise<void>((resolve) => backend?.close(() => resolve()));
    await rm(workDir, { recursive: true, force: true });
  });

  it('deploys the full configuration every round and holds every route', async () => {
    await adapter.start();
    const generate = createServiceGenerator({ version: 'mixed', seed: 3, endpointBase: backendUrl });
    const heapAfterGc: number[] = [];
    for (let from = 0; from < TOTAL; from += BATCH) {
      for (let i = from; i < from + BATCH; i++) await adapter.register(generate(i));
      const deploy = await adapter.deploy();
      expect(deploy).toMatchObject({ state: 'deployed', detail: `loaded ${from + BATCH} routes` });
      expect(await adapter.listing()).toMatchObject({ services: from + BATCH, attachedPolicies: 2 * (from + BATCH) });
      const reading = await adapter.liveMemory();
      heapAfterGc.push(reading.bytes);
      console.log(
        `caddy: ${from + BATCH} routes deployed in ${deploy.ms} ms; Go heap after GC ${(reading.bytes / 2 ** 20).toFixed(1)} MiB, RSS ${((reading.extra?.rssBytes ?? 0) / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    // Each route costs live heap: four times the routes hold clearly more than the first round.
    expect(heapAfterGc[3]!).toBeGreaterThan(2 * heapAfterGc[0]!);
    const sample = [0, 2_499, 5_000, 9_999].map((i) => generate(i));
    expect((await adapter.verify(sample)).filter((o) => !o.ok)).toEqual([]);
  });
});
