/**
 * Targets by name: the one list of built-in targets. The CLI's `--target` choices, `TargetName`,
 * README's option list and config validation all come from it. Adding a built-in target is its
 * folder under `src/gateways/` and one line here.
 */
import type { AdapterContext, AdapterFactory, GatewayAdapter } from './adapter.js';
import { createReferenceAdapter } from './reference/index.js';
import { createCaddyAdapter } from './caddy/index.js';
import { createTomcatAdapter } from './tomcat/index.js';
import { createHaproxyAdapter } from './haproxy/index.js';
import { createVarnishAdapter } from './varnish/index.js';
import { createNodeRedAdapter } from './node-red/index.js';

export const builtInTargets = {
  reference: (ctx: AdapterContext) => createReferenceAdapter(ctx),
  caddy: (ctx: AdapterContext) => createCaddyAdapter(ctx),
  tomcat: (ctx: AdapterContext) => createTomcatAdapter(ctx),
  haproxy: (ctx: AdapterContext) => createHaproxyAdapter(ctx),
  varnish: (ctx: AdapterContext) => createVarnishAdapter(ctx),
  'node-red': (ctx: AdapterContext) => createNodeRedAdapter(ctx),
} as const satisfies Record<string, AdapterFactory>;

/** The name of a built-in target. */
export type TargetName = keyof typeof builtInTargets;

/** Built-in target names, in the order `--help` lists them. */
export const TARGET_NAMES = Object.freeze(Object.keys(builtInTargets) as TargetName[]);

export function isTargetName(name: string): name is TargetName {
  return Object.hasOwn(builtInTargets, name);
}

export function createAdapter(target: TargetName, ctx: AdapterContext): GatewayAdapter {
  return builtInTargets[target](ctx);
}
