/**
 * The behaviour profiles are real behaviours of a spawned gateway process: with a full deploy per
 * round, `retain-configs` grows faster than linear in services and drops at a restart, while
 * `healthy` grows about linearly and keeps its level across a restart. Heap after forced GC.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './reference-harness.js';

const ROUNDS = 6;
const BATCH = 100;

/** Registers ROUNDS rounds of BATCH services with a deploy each; heap after GC before and after each round. */
async function roundsOf(h: Harness): Promise<{ heaps: number[]; increments: number[] }> {
  const heaps = [await h.heapAfterGc()];
  for (let r = 0; r < ROUNDS; r++) {
    await h.registerRange(r * BATCH, (r + 1) * BATCH);
    const deployed = await h.adapter.deploy();
    expect(deployed.state).toBe('deployed');
    heaps.push(await h.heapAfterGc());
  }
  const increments = heaps.slice(1).map((heap, i) => heap - (heaps[i] ?? 0));
  return { heaps, increments };
}

const MiB = 1024 * 1024;
const describeRun = (heaps: number[]): string => heaps.map((b) => (b / MiB).toFixed(1)).join(' → ');

describe('reference gateway profiles (real processes)', () => {
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  it('retain-configs: memory after GC grows faster than linear in services and drops at a restart', async () => {
    const h = await startHarness({ profile: 'retain-configs', heapMb: 512 });
    harnesses.push(h);
    await h.adapter.start();
    const { heaps, increments } = await roundsOf(h);
    const first = increments[0] ?? 0;
    const last = increments.at(-1) ?? 0;
    // Each round retains one more full configuration than the round before: increments grow.
    expect(last, `heap after GC per round: ${describeRun(heaps)} MiB`).toBeGreaterThan(2 * first);
    for (let i = 1; i < increments.length; i++) expect(increments[i] ?? 0).toBeGreaterThan(increments[i - 1] ?? 0);
    expect((await h.adapter.listing()).services).toBe(ROUNDS * BATCH);

    const before = heaps.at(-1) ?? 0;
    await h.adapter.restart();
    const after = await h.heapAfterGc();
    expect(after, `before restart ${(before / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB`).toBeLessThan(0.6 * before);
    expect(await h.adapter.listing()).toMatchObject({ services: ROUNDS * BATCH, serviceGroups: ROUNDS * BATCH });
  });

  it('healthy: memory after GC grows about linearly and does not drop at a restart', async () => {
    const h = await startHarness({ profile: 'healthy', heapMb: 512 });
    harnesses.push(h);
    await h.adapter.start();
    const { heaps, increments } = await roundsOf(h);
    // The first round also warms the process up (code, caches): compare the rounds after it.
    const steady = increments.slice(1);
    const low = Math.min(...steady);
    const high = Math.max(...steady);
    expect(low, `heap after GC per round: ${describeRun(heaps)} MiB`).toBeGreaterThan(0);
    expect(high, `heap after GC per round: ${describeRun(heaps)} MiB`).toBeLessThan(1.6 * low);

    const before = heaps.at(-1) ?? 0;
    await h.adapter.restart();
    const after = await h.heapAfterGc();
    expect(after, `before restart ${(before / MiB).toFixed(1)} MiB, after ${(after / MiB).toFixed(1)} MiB`).toBeGreaterThan(0.85 * before);
    expect(await h.adapter.listing()).toMatchObject({ services: ROUNDS * BATCH, operations: ROUNDS * BATCH * 4, attachedPolicies: ROUNDS * BATCH * 8 });
  });
});
