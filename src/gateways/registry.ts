/** Targets by name: each adapter lives in its own folder behind the one GatewayAdapter interface. */
import type { AdapterContext, GatewayAdapter, TargetName } from './adapter.js';
import { createReferenceAdapter } from './reference/index.js';
import { createCaddyAdapter } from './caddy/index.js';
import { createTomcatAdapter } from './tomcat/index.js';
import { createHaproxyAdapter } from './haproxy/index.js';
import { createVarnishAdapter } from './varnish/index.js';
import { createNodeRedAdapter } from './node-red/index.js';

const factories: Record<TargetName, (ctx: AdapterContext) => GatewayAdapter> = {
  reference: createReferenceAdapter,
  caddy: createCaddyAdapter,
  tomcat: createTomcatAdapter,
  haproxy: createHaproxyAdapter,
  varnish: createVarnishAdapter,
  'node-red': createNodeRedAdapter,
};

export function createAdapter(target: TargetName, ctx: AdapterContext): GatewayAdapter {
  return factories[target](ctx);
}
