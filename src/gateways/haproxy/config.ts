/**
 * HAProxy's configuration for a run: one frontend on loopback, and per service a path ACL, a
 * `use_backend` rule and a backend whose `http-request` / `http-response set-header` rules are the
 * service's policies. Pure: model in, config text out.
 */
import { endpointRouteFor, type PathRewrite } from '../endpoint-route.js';

/** Every backend the harness writes is named with this prefix, so `listing` can find its own. */
export const BACKEND_PREFIX = 'gwscale-svc-';
/** Set on the request by the request policy; the response policy echoes what it saw. */
export const REQUEST_POLICY_HEADER = 'X-Gw-Request-Policy';
export const RESPONSE_POLICY_HEADER = 'X-Gw-Response-Policy';
/** Answered by the frontend itself with the configuration's generation: proves which worker serves. */
export const GENERATION_PATH = '/__gwscale/generation';

/** One service as HAProxy sees it. */
export interface HaproxyServiceSpec {
  readonly serviceName: string;
  /** `host:port` of the WSDL endpoint (the harness's SOAP backend). */
  readonly server: string;
  /** How the path reaches the server: as it came, behind a prefix, or replaced by an exact path. */
  readonly rewrite: PathRewrite;
}

export interface HaproxyConfigInput {
  /** `127.0.0.1:PORT` of the data plane. */
  readonly dataListen: string;
  /** Counts up with every deploy; the frontend answers it at {@link GENERATION_PATH}. */
  readonly generation: number;
  /** `hard-stop-after` in ms (old workers are killed that long after a reload), or null for HAProxy's default (wait for every connection). */
  readonly hardStopAfterMs: number | null;
  /** Server-side timeout: longer than the slowest backend answer the run asks for. */
  readonly serverTimeoutMs: number;
  readonly services: readonly HaproxyServiceSpec[];
}

/** The value the response policy writes: the service, and the request policy's header as the backend got it. */
export function expectedResponsePolicy(serviceName: string): string {
  return `${serviceName}; request=${serviceName}`;
}

/**
 * Where HAProxy sends a service's requests, from one of its WSDL endpoint addresses, and the path
 * the probe posts to on the data plane. Only loopback endpoints and plain names are accepted.
 */
export function haproxyServiceFor(serviceName: string, address: string, source: string): { service: HaproxyServiceSpec; probePath: string } {
  const route = endpointRouteFor(serviceName, address, source, 'HAProxy');
  const server = `${route.host.includes(':') ? `[${route.host}]` : route.host}:${route.port}`;
  return { service: { serviceName, server, rewrite: route.rewrite }, probePath: route.probePath };
}

/** The lines of one service's backend. */
function backendLines(spec: HaproxyServiceSpec): string[] {
  const name = spec.serviceName;
  const lines = [
    `backend ${BACKEND_PREFIX}${name}`,
    // Request policy: a header the backend receives; its value is kept for the response policy.
    `    http-request set-header ${REQUEST_POLICY_HEADER} ${name}`,
    `    http-request set-var(txn.gw_request_policy) req.hdr(${REQUEST_POLICY_HEADER})`,
    // Response policy: echoes what the request policy set, so one header proves both ran.
    `    http-response set-header ${RESPONSE_POLICY_HEADER} "${name}; request=%[var(txn.gw_request_policy)]"`,
  ];
  if (spec.rewrite?.kind === 'prefix') lines.push(`    http-request set-path ${spec.rewrite.prefix}%[path]`);
  if (spec.rewrite?.kind === 'exact') lines.push(`    http-request set-path ${spec.rewrite.path}`);
  lines.push(`    server backend ${spec.server}`);
  return lines;
}

/** The whole configuration file. */
export function haproxyConfig(input: HaproxyConfigInput): string {
  // No `log` lines: a log line per request would be the harness's own noise; the master's notices go to stderr anyway.
  const global = ['global'];
  if (input.hardStopAfterMs !== null) global.push(`    hard-stop-after ${input.hardStopAfterMs}ms`);
  const frontend = [
    'frontend gwscale',
    `    bind ${input.dataListen}`,
    `    http-request return status 200 content-type text/plain string "${generationAnswer(input.generation)}" if { path ${GENERATION_PATH} }`,
  ];
  for (const s of input.services) {
    // Two lines with one name: the ACL matches either (the service's path, or anything below it).
    frontend.push(`    acl svc-${s.serviceName} path /${s.serviceName}`, `    acl svc-${s.serviceName} path_beg /${s.serviceName}/`);
  }
  for (const s of input.services) frontend.push(`    use_backend ${BACKEND_PREFIX}${s.serviceName} if svc-${s.serviceName}`);
  const defaults = [
    'defaults',
    '    mode http',
    // On a reload the old worker answers the next request on an idle keep-alive connection and closes it after,
    // instead of closing it at once: a client sending at that moment would get a reset (HAProxy's default), which a run
    // would count as a request failed by the deploy.
    '    option idle-close-on-response',
    '    timeout connect 5s',
    '    timeout client 60s',
    `    timeout server ${input.serverTimeoutMs}ms`,
    '    timeout http-keep-alive 5s',
  ];
  return [global, defaults, frontend, ...input.services.map(backendLines)].map((block) => block.join('\n')).join('\n\n') + '\n';
}

/** The generation the frontend answers at {@link GENERATION_PATH}. */
export function generationAnswer(generation: number): string {
  return `generation-${generation}`;
}
