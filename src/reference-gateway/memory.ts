/** The gateway's own memory numbers (V8 heap and process RSS), optionally after a forced GC. */
import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import type { GatewayMemory } from './protocol.js';

export function readMemory(afterGc: boolean): GatewayMemory {
  const usage = process.memoryUsage();
  return {
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    rssBytes: usage.rss,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
    heapLimitBytes: getHeapStatistics().heap_size_limit,
    afterGc,
  };
}

/** True when the process runs with `--expose-gc`. */
export const canForceGc = (): boolean => typeof globalThis.gc === 'function';

/**
 * Forces a full GC and reads in the same turn of the event loop (nothing else can allocate in
 * between), three times 20 ms apart so finalizers, weak callbacks and background compile jobs
 * (which hold objects until they finish) are done; the lowest reading wins. Requests served
 * between the GCs only add garbage, never remove live data, so the minimum is the live set.
 */
export async function readMemoryAfterGc(): Promise<GatewayMemory> {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the gateway runs without --expose-gc');
  let best: GatewayMemory | null = null;
  for (let i = 0; i < 3; i++) {
    gc();
    const reading = readMemory(true);
    if (best === null || reading.heapUsedBytes < best.heapUsedBytes) best = reading;
    if (i < 2) await sleep(20);
  }
  return best ?? readMemory(true);
}
