/** Varnish as a gwscale target. */
export { createVarnishAdapter, varnishVersion, VARNISH_INSTALL_COMMAND, VSL_SPACE, type VarnishOptions } from './adapter.js';
export { parseVclList, varnishadm, type VclListEntry } from './varnishadm.js';
export { countPolicies, expectedResponsePolicy, vclFor, type VarnishServiceSpec } from './vcl.js';
