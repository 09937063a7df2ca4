/**
 * `--memory-source`: more nodes of one gateway (a cluster, or processes the target does not know
 * of), read together with the target's own reading and summed into one; each node is kept.
 */
import type { GatewayAdapter } from './adapter.js';
import type { MemorySource } from '../sampling/source.js';
import { sumReadings } from './recipe/memory.js';
import { wrapAdapter } from './wrap-adapter.js';

/** The adapter with `liveMemory` reading the extra sources beside its own; unchanged without any. */
export function withMemorySources(adapter: GatewayAdapter, sources: readonly MemorySource[]): GatewayAdapter {
  if (sources.length === 0) return adapter;
  return wrapAdapter(adapter, {
    async liveMemory() {
      const readings = await Promise.all([adapter.liveMemory(), ...sources.map((s) => s.read())]);
      return sumReadings(readings);
    },
  });
}
