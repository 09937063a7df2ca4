/** Caddy's configuration built from routes, and counting the harness's routes in a config read back. */
import { describe, expect, it } from 'vitest';
import { caddyConfigJson, caddyRoute, countOwnRoutes, ROUTE_ID_PREFIX, SERVER_NAME } from '../src/gateways/caddy/config.js';

describe('caddy config', () => {
  const route = caddyRoute({ serviceName: 'Svc1', upstreamDial: '127.0.0.1:9000', rewrite: null });

  it('gives each service a route with an id, both policies and a proxy to its endpoint', () => {
    expect(route).toEqual({
      '@id': `${ROUTE_ID_PREFIX}Svc1`,
      match: [{ path: ['/Svc1', '/Svc1/*'] }],
      handle: [
        { handler: 'headers', request: { set: { 'X-Gw-Request-Policy': ['Svc1'] } } },
        {
          handler: 'headers',
          response: { set: { 'X-Gw-Response-Policy': ['Svc1; request={http.request.header.X-Gw-Request-Policy}'] }, deferred: true },
        },
        { handler: 'reverse_proxy', upstreams: [{ dial: '127.0.0.1:9000' }] },
      ],
      terminal: true,
    });
  });

  it('rewrites to the endpoint path when it differs', () => {
    const prefixed = caddyRoute({ serviceName: 'S', upstreamDial: 'x:1', rewrite: { kind: 'prefix', prefix: '/base' } });
    expect(prefixed.handle).toContainEqual({ handler: 'rewrite', uri: '/base{http.request.uri}' });
    const exact = caddyRoute({ serviceName: 'S', upstreamDial: 'x:1', rewrite: { kind: 'exact', path: '/ws/orders' } });
    expect(exact.match).toEqual([{ path: ['/S'] }]);
  });

  it('builds the whole config: loopback admin not persisted, loopback server without automatic HTTPS', () => {
    const config = JSON.parse(caddyConfigJson({ adminListen: '127.0.0.1:1', dataListen: '127.0.0.1:2', routeJson: [JSON.stringify(route)] })) as {
      admin: unknown;
      apps: { http: { servers: Record<string, { listen: string[]; automatic_https: unknown; routes: unknown[] }> } };
    };
    expect(config.admin).toEqual({ listen: '127.0.0.1:1', config: { persist: false } });
    const server = config.apps.http.servers[SERVER_NAME]!;
    expect(server.listen).toEqual(['127.0.0.1:2']);
    expect(server.automatic_https).toEqual({ disable: true });
    expect(server.routes).toEqual([route]);
  });

  it('builds an empty route list, never an empty config', () => {
    const text = caddyConfigJson({ adminListen: '127.0.0.1:1', dataListen: '127.0.0.1:2', routeJson: [] });
    expect((JSON.parse(text) as { apps: { http: { servers: Record<string, { routes: unknown[] }> } } }).apps.http.servers[SERVER_NAME]!.routes).toEqual([]);
  });

  it('counts only the harness routes and their policies', () => {
    expect(countOwnRoutes([route, route, { '@id': 'other', handle: [{ handler: 'headers', request: {} }] }, { handle: [] }])).toEqual({
      routes: 2,
      requestPolicies: 2,
      responsePolicies: 2,
    });
    expect(countOwnRoutes(null)).toEqual({ routes: 0, requestPolicies: 0, responsePolicies: 0 });
  });
});
