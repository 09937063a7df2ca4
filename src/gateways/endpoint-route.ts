/**
 * Where a proxy target sends a service's requests, from one of its WSDL endpoint addresses: the
 * loopback `host` and `port`, how the path reaches the backend, and the path the probe posts to on
 * the data plane. For targets whose configuration is text (HAProxy, Varnish): only plain names and
 * paths are accepted, so nothing needs quoting there.
 */
import { inputError } from '../errors.js';
import { isLoopbackHost } from '../loopback.js';
import { parseWsdl } from '../wsdl/index.js';
import type { ServiceSpec, WsdlDocument } from '../wsdl/model.js';
import { countOperations, soapProbeFor, type SoapProbe } from './soap-probe.js';

export type PathRewrite = { readonly kind: 'prefix'; readonly prefix: string } | { readonly kind: 'exact'; readonly path: string } | null;

export interface EndpointRoute {
  /** IP address (`localhost` becomes 127.0.0.1); IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** `null`: the path goes as it came (`/<serviceName>/…`); a prefix put before it; or an exact path. */
  readonly rewrite: PathRewrite;
  /** Path on the data plane the probe posts to. */
  readonly probePath: string;
}

/** Characters a service name may have to appear unquoted in a proxy's configuration text. */
const PLAIN_NAME = /^[A-Za-z0-9._~-]+$/;
/** Characters an endpoint path may have to appear unquoted in a proxy's configuration text. */
const PLAIN_PATH = /^[A-Za-z0-9._~/-]*$/;

/**
 * @param product the target, for the message (e.g. `HAProxy`).
 * @throws an input error naming the WSDL file for a name or path that is not plain, or an endpoint off the loopback.
 */
export function endpointRouteFor(serviceName: string, address: string, source: string, product: string): EndpointRoute {
  if (!PLAIN_NAME.test(serviceName)) {
    throw inputError(`${source}: service name '${serviceName}' is not plain enough for ${product}`, 'use service names made of letters, digits, . _ ~ -');
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
  const bare = url.hostname.replace(/^\[|\]$/g, '');
  const host = bare === 'localhost' || bare.endsWith('.localhost') ? '127.0.0.1' : bare;
  const port = url.port === '' ? 80 : Number(url.port);
  const path = url.pathname;
  if (!PLAIN_PATH.test(path))
    throw inputError(
      `${source}: endpoint path ${path} of service ${serviceName} is not plain enough for ${product}`,
      'use endpoint paths made of letters, digits, . _ ~ - /',
    );
  const at = path.indexOf(`/${serviceName}`);
  const afterName = at < 0 ? '' : path.slice(at + serviceName.length + 1);
  if (at >= 0 && (afterName === '' || afterName.startsWith('/'))) {
    const prefix = path.slice(0, at);
    return { host, port, rewrite: prefix === '' ? null : { kind: 'prefix', prefix }, probePath: `/${serviceName}${afterName}` };
  }
  return { host, port, rewrite: { kind: 'exact', path: path === '' ? '/' : path }, probePath: `/${serviceName}` };
}

/** A service of a proxy target, read from its WSDL: the probe, where its requests go, its operations. */
export interface ProxiedService {
  readonly document: WsdlDocument;
  readonly probe: SoapProbe;
  readonly route: EndpointRoute;
  readonly operations: number;
}

/**
 * Parses a service's WSDL for a proxy target (HAProxy, Varnish, Node-RED): its probe (first SOAP
 * endpoint), the route of that endpoint, and its operation count.
 * @throws an input error naming the WSDL file (bad WSDL, no SOAP endpoint, endpoint off the loopback).
 */
export function proxiedService(spec: ServiceSpec, product: string): ProxiedService {
  const document = parseWsdl(spec.wsdlText, spec.fileName);
  const probe = soapProbeFor(document, spec.serviceName);
  const route = endpointRouteFor(spec.serviceName, probe.address, spec.fileName, product);
  return { document, probe, route, operations: countOperations(document, spec.serviceName) };
}
