/**
 * `operation-pool` (the WebSphere case) on a spawned gateway: traffic at concurrency 20 against a
 * slow backend grows each operation's client pool, the heap after GC stays up, and a later step
 * at lower concurrency adds nothing. The `healthy` profile under the same traffic is the control.
 */
import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { envelope, post, soapHeaders, startHarness, type Harness } from './reference-harness.js';

const SERVICES = 5;
const LATENCY_MS = 200;
const CLIENT_KB = 128;
const MiB = 1024 * 1024;

/** `waves` rounds of `concurrency` simultaneous GetQuote calls to each service. */
async function traffic(h: Harness, dataUrl: string, concurrency: number, waves: number): Promise<void> {
  const agent = new Agent({ connections: SERVICES * concurrency + 10 });
  try {
    for (let w = 0; w < waves; w++) {
      const calls: Promise<{ status: number }>[] = [];
      for (let i = 0; i < SERVICES; i++) {
        const spec = h.spec(i);
        const ns = `http://gwscale.test/ws/${spec.serviceName}`;
        for (let c = 0; c < concurrency; c++)
          calls.push(post(`${dataUrl}/${spec.serviceName}`, envelope('1.1', ns, 'GetQuote'), soapHeaders('1.1', `${ns}/GetQuote`), agent));
      }
      const answers = await Promise.all(calls);
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
  } finally {
    await agent.close();
  }
}

/** Clients the gateway's pools hold, from its own memory endpoint (null outside `operation-pool`). */
async function pooledClients(h: Harness, adminUrl: string): Promise<number | null> {
  const { user, password } = h.ctx.credentials;
  const answer = await fetch(`${adminUrl}/api/memory`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  return ((await answer.json()) as { pooledClients: number | null }).pooledClients;
}

describe('operation-pool profile (real process, slow backend)', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  interface Steps {
    base: number;
    afterHigh: number;
    afterLow: number;
    clientsHigh: number | null;
    clientsLow: number | null;
  }

  const run = async (profile: string): Promise<Steps> => {
    const h = await startHarness({ profile, latencyMs: LATENCY_MS, version: '1.1', adapterOptions: { poolClientKb: CLIENT_KB } });
    harnesses.push(h);
    const { dataUrl, adminUrl } = await h.adapter.start();
    await h.registerRange(0, SERVICES);
    expect((await h.adapter.deploy()).state).toBe('deployed');
    await traffic(h, dataUrl, 2, 1);
    const base = await h.heapAfterGc();
    await traffic(h, dataUrl, 20, 3);
    const afterHigh = await h.heapAfterGc();
    const clientsHigh = await pooledClients(h, adminUrl);
    await traffic(h, dataUrl, 5, 3);
    const afterLow = await h.heapAfterGc();
    return { base, afterHigh, afterLow, clientsHigh, clientsLow: await pooledClients(h, adminUrl) };
  };

  it('concurrency 20 leaves the pools (and the heap after GC) up; a lower step does not grow them', async () => {
    const { base, afterHigh, afterLow, clientsHigh, clientsLow } = await run('operation-pool');
    // One pool per operation (GetQuote of each service), sized to the 20 calls in flight at once.
    expect(clientsHigh).toBeGreaterThanOrEqual(SERVICES * 15);
    expect(clientsHigh).toBeLessThanOrEqual(SERVICES * 20);
    expect(clientsLow).toBe(clientsHigh);
    const expectedGrowth = SERVICES * 20 * CLIENT_KB * 1024;
    const note = `base ${(base / MiB).toFixed(1)}, after c=20 ${(afterHigh / MiB).toFixed(1)}, after c=5 ${(afterLow / MiB).toFixed(1)} MiB`;
    expect(afterHigh - base, note).toBeGreaterThan(0.6 * expectedGrowth);
    // Never expunged: still up after the quieter step…
    expect(afterLow - base, note).toBeGreaterThan(0.6 * expectedGrowth);
    // …and bounded: the lower concurrency adds no clients.
    expect(afterLow - afterHigh, note).toBeLessThan(0.1 * expectedGrowth);
  });

  it('healthy under the same traffic: the heap after GC comes back', async () => {
    const { base, afterHigh, afterLow, clientsHigh } = await run('healthy');
    expect(clientsHigh).toBeNull();
    const expectedGrowth = SERVICES * 20 * CLIENT_KB * 1024;
    const note = `base ${(base / MiB).toFixed(1)}, after c=20 ${(afterHigh / MiB).toFixed(1)}, after c=5 ${(afterLow / MiB).toFixed(1)} MiB`;
    expect(afterHigh - base, note).toBeLessThan(0.2 * expectedGrowth);
    expect(afterLow - base, note).toBeLessThan(0.2 * expectedGrowth);
  });
});
