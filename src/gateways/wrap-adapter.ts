/**
 * An adapter with some methods replaced and every other one the target's own: what the run adds
 * around any target (`--memory-source`, the entity log). A proxy, not a copy, so a plugin's adapter
 * may be a class instance whose methods live on its prototype and use `this`.
 */
import type { GatewayAdapter } from './adapter.js';

export function wrapAdapter(adapter: GatewayAdapter, overrides: Partial<GatewayAdapter>): GatewayAdapter {
  return new Proxy(adapter, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
