/**
 * HAProxy's configuration for a run: one frontend on loopback, and per service a path ACL, a
 * `use_backend` rule and a backend whose `http-request` / `http-response set-header` rules are the
 * service's policies. Pure: model in, config text out.
 */
import { inputError } from '../../errors.js';
import { isLoopbackHost } from '../../loopback.js';

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
  readonly rewrite: { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'exact'; readonly path: string } | null;
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

/** Characters a service name may have to become a path ACL and a backend name without quoting. */
const PLAIN_NAME = /^[A-Za-z0-9._~-]+$/;
/** Characters a rewritten path may have inside a `set-path` argument without quoting. */
const PLAIN_PATH = /^[A-Za-z0-9._~/-]*$/;

/** The value the response policy writes: the service, and the request policy's header as the backend got it. */
export function expectedResponsePolicy(serviceName: string): string {
  return `${serviceName}; request=${serviceName}`;
}

/**
 * Where HAProxy sends a service's requests, from one of its WSDL endpoint addresses, and the path
 * the probe posts to on the data plane. Only loopback endpoints and plain names are accepted.
 */
export function haproxyServiceFor(serviceName: string, address: string, source: string): { service: HaproxyServiceSpec; probePath: string } {
  if (!PLAIN_NAME.test(serviceName)) {
    throw inputError(`${source}: service name '${serviceName}' cannot be an HAProxy path ACL`, 'use service names made of letters, digits, . _ ~ -');
  }
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw inputError(`${source}: endpoint address '${address}' of service ${serviceName} is not a URL`);
  }
  if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname)) {
    throw inputError(
      `${source}: endpoint address ${address} of service ${serviceName} is not http:// on the loopback`,
      'gwscale only proxies to a SOAP backend on this machine (127.0.0.1 or ::1); point the WSDL at --backend',
    );
  }
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  const server = `${host.includes(':') ? `[${host.replace(/^\[|\]$/g, '')}]` : host}:${url.port === '' ? '80' : url.port}`;
  const path = url.pathname;
  if (!PLAIN_PATH.test(path)) throw inputError(`${source}: endpoint path ${path} of service ${serviceName} needs quoting HAProxy does not get from gwscale`, 'use plain endpoint paths');
  const at = path.indexOf(`/${serviceName}`);
  const afterName = at < 0 ? '' : path.slice(at + serviceName.length + 1);
  if (at >= 0 && (afterName === '' || afterName.startsWith('/'))) {
    const prefix = path.slice(0, at);
    return { service: { serviceName, server, rewrite: prefix === '' ? null : { kind: 'prefix', prefix } }, probePath: `/${serviceName}${afterName}` };
  }
  return { service: { serviceName, server, rewrite: { kind: 'exact', path: path === '' ? '/' : path } }, probePath: `/${serviceName}` };
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
