/**
 * Caddy's JSON configuration for a run: the admin endpoint on loopback (not persisted), one HTTP
 * server on loopback without automatic HTTPS, and one route per service. Pure: model in, JSON out.
 */

/** Every route the harness adds carries an `@id` with this prefix, so `listing` can find its own. */
export const ROUTE_ID_PREFIX = 'gwscale-svc-';
/** Name of the HTTP server in `apps.http.servers`. */
export const SERVER_NAME = 'gwscale';
/** Set on the request by the request policy; the response policy echoes what it saw. */
export const REQUEST_POLICY_HEADER = 'X-Gw-Request-Policy';
export const RESPONSE_POLICY_HEADER = 'X-Gw-Response-Policy';

/** One service as a Caddy route: `/<serviceName>` and below, proxied to its WSDL endpoint. */
export interface CaddyRouteSpec {
  readonly serviceName: string;
  /** `host:port` of the endpoint address (Caddy's upstream `dial`). */
  readonly upstreamDial: string;
  /**
   * How the path reaches the upstream: `null` as it came (`/<serviceName>/…`), a prefix to put
   * before it (the endpoint's base path), or an exact path when the address does not contain the service name.
   */
  readonly rewrite: { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'exact'; readonly path: string } | null;
}

/** The value the response policy writes: the service, and the request policy's header as the route saw it. */
export function expectedResponsePolicy(serviceName: string): string {
  return `${serviceName}; request=${serviceName}`;
}

/** The route object for one service (handlers run in order: request policy, response policy, rewrite, proxy). */
export function caddyRoute(spec: CaddyRouteSpec): Record<string, unknown> {
  const base = `/${spec.serviceName}`;
  const handle: Array<Record<string, unknown>> = [
    // Request policy: a header the upstream receives.
    { handler: 'headers', request: { set: { [REQUEST_POLICY_HEADER]: [spec.serviceName] } } },
    // Response policy: written when the answer's headers are, echoing what the request policy set.
    {
      handler: 'headers',
      response: {
        set: { [RESPONSE_POLICY_HEADER]: [`${spec.serviceName}; request={http.request.header.${REQUEST_POLICY_HEADER}}`] },
        deferred: true,
      },
    },
  ];
  if (spec.rewrite?.kind === 'prefix') handle.push({ handler: 'rewrite', uri: `${spec.rewrite.prefix}{http.request.uri}` });
  if (spec.rewrite?.kind === 'exact') handle.push({ handler: 'rewrite', uri: `${spec.rewrite.path}?{http.request.uri.query}` });
  handle.push({ handler: 'reverse_proxy', upstreams: [{ dial: spec.upstreamDial }] });
  return {
    '@id': `${ROUTE_ID_PREFIX}${spec.serviceName}`,
    match: [{ path: spec.rewrite?.kind === 'exact' ? [base] : [base, `${base}/*`] }],
    handle,
    terminal: true,
  };
}

export interface CaddyConfigInput {
  /** `127.0.0.1:PORT` of the admin API. */
  readonly adminListen: string;
  /** `127.0.0.1:PORT` of the data plane. */
  readonly dataListen: string;
  /** Routes already serialised with `JSON.stringify(caddyRoute(…))`: a deploy only joins them (O(N)). */
  readonly routeJson: readonly string[];
}

/** The whole configuration as the JSON text `POST /load` takes. */
export function caddyConfigJson(input: CaddyConfigInput): string {
  const shell = {
    admin: { listen: input.adminListen, config: { persist: false } },
    // Warnings and errors only: every admin request is otherwise logged, drowning a crash's last lines.
    logging: { logs: { default: { level: 'WARN' } } },
    apps: {
      http: {
        servers: {
          [SERVER_NAME]: {
            listen: [input.dataListen],
            protocols: ['h1', 'h2'],
            automatic_https: { disable: true },
            routes: ['__ROUTES__'],
          },
        },
      },
    },
  };
  return JSON.stringify(shell).replace('["__ROUTES__"]', `[${input.routeJson.join(',')}]`);
}

/** Counts what the harness put into a configuration read back from `GET /config/…/routes`. */
export function countOwnRoutes(routes: unknown): { routes: number; requestPolicies: number; responsePolicies: number } {
  let count = 0;
  let requestPolicies = 0;
  let responsePolicies = 0;
  if (!Array.isArray(routes)) return { routes: 0, requestPolicies: 0, responsePolicies: 0 };
  for (const route of routes as unknown[]) {
    if (typeof route !== 'object' || route === null) continue;
    const id = (route as Record<string, unknown>)['@id'];
    if (typeof id !== 'string' || !id.startsWith(ROUTE_ID_PREFIX)) continue;
    count++;
    const handle = (route as Record<string, unknown>).handle;
    for (const handler of Array.isArray(handle) ? (handle as unknown[]) : []) {
      if (typeof handler !== 'object' || handler === null) continue;
      const h = handler as Record<string, unknown>;
      if (h.handler !== 'headers') continue;
      if (h.request !== undefined) requestPolicies++;
      if (h.response !== undefined) responsePolicies++;
    }
  }
  return { routes: count, requestPolicies, responsePolicies };
}
