/** Caddy as a gwscale target. */
export { createCaddyAdapter, caddyVersion, routeSpecFor, CADDY_INSTALL_COMMAND, type CaddyOptions } from './adapter.js';
export { caddyConfigJson, caddyRoute, countOwnRoutes, expectedResponsePolicy, ROUTE_ID_PREFIX, SERVER_NAME, type CaddyRouteSpec } from './config.js';
