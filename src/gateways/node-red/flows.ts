/**
 * The Node-RED flow configuration of a run: one flow tab per service, built from core nodes only.
 * Pure: model in, flow JSON out.
 *
 *   http in (the service's path, POST) → change (request policy: forward the SOAP headers, set
 *   X-Gw-Request-Policy, aim at the backend) → http request (to the harness's SOAP backend) →
 *   change (response policy: X-Gw-Response-Policy) → http response
 *
 * A service whose WSDL has endpoints below its path (`/<name>/soap12`) gets one `http in` per path,
 * all wired to the same request policy.
 */
import { createHash } from 'node:crypto';
import type { EndpointRoute } from '../endpoint-route.js';

/** Every tab the harness writes is labelled with this prefix, so `listing` can find its own. */
export const TAB_PREFIX = 'gwscale-svc-';
/** Set on the request by the request policy; the backend echoes it as `x-echo-x-gw-request-policy`. */
export const REQUEST_POLICY_HEADER = 'X-Gw-Request-Policy';
export const RESPONSE_POLICY_HEADER = 'X-Gw-Response-Policy';
/** Names of the policy nodes, counted by `listing`. */
export const REQUEST_POLICY_NAME = 'gw-request-policy';
export const RESPONSE_POLICY_NAME = 'gw-response-policy';

/** Headers of one connection, never forwarded by a proxy. */
const HOP_BY_HOP = ['transfer-encoding', 'connection', 'keep-alive'];

/** One node of a flow configuration, as `GET/POST /flows` carry it. */
export type FlowNode = Readonly<Record<string, unknown>> & { readonly id: string; readonly type: string };

/** One service as Node-RED sees it. */
export interface NodeRedServiceSpec {
  readonly serviceName: string;
  /** Where its requests go: the backend's loopback host and port, and how the path reaches it. */
  readonly route: EndpointRoute;
  /** Paths on the data plane, one `http in` each (the probe's first). */
  readonly paths: readonly string[];
}

/** The value the response policy writes: the service, and the request policy's header as the backend got it. */
export function expectedResponsePolicy(serviceName: string): string {
  return `${serviceName}; request=${serviceName}`;
}

/** A stable node id (16 hex digits, as the editor makes them) for one node of a service's tab. */
function nodeId(serviceName: string, role: string): string {
  return createHash('sha1').update(`gwscale/${serviceName}/${role}`).digest('hex').slice(0, 16);
}

/** A JSONata string literal. */
function jsonataString(text: string): string {
  return JSON.stringify(text);
}

/** The JSONata expression of the backend URL a request goes to. */
function backendUrlExpression(route: EndpointRoute): string {
  const host = route.host.includes(':') ? `[${route.host}]` : route.host;
  const base = `http://${host}:${route.port}`;
  if (route.rewrite?.kind === 'exact') return jsonataString(`${base}${route.rewrite.path}`);
  const prefix = route.rewrite?.kind === 'prefix' ? route.rewrite.prefix : '';
  // req.originalUrl: the path (and query) as the client sent it.
  return `${jsonataString(`${base}${prefix}`)} & req.originalUrl`;
}

/** The nodes of one service's tab. */
export function serviceTab(spec: NodeRedServiceSpec): FlowNode[] {
  const name = spec.serviceName;
  const tab = nodeId(name, 'tab');
  const [requestPolicy, call, responsePolicy, reply] = ['request-policy', 'http-request', 'response-policy', 'http-response'].map((role) =>
    nodeId(name, role),
  ) as [string, string, string, string];
  const inputs: FlowNode[] = spec.paths.map((path, i) => ({
    id: nodeId(name, `http-in-${i}`),
    type: 'http in',
    z: tab,
    name: '',
    url: path,
    method: 'post',
    upload: false,
    swaggerDoc: '',
    x: 140,
    y: 60 + 40 * i,
    wires: [[requestPolicy]],
  }));
  return [
    { id: tab, type: 'tab', label: `${TAB_PREFIX}${name}`, disabled: false, info: '' },
    ...inputs,
    {
      id: requestPolicy,
      type: 'change',
      z: tab,
      name: REQUEST_POLICY_NAME,
      rules: [
        { t: 'set', p: 'url', pt: 'msg', to: backendUrlExpression(spec.route), tot: 'jsonata' },
        // Forward what a SOAP backend needs: the content type (SOAP 1.2 carries its action there) and SOAPAction.
        { t: 'set', p: 'headers', pt: 'msg', to: '{"content-type": req.headers."content-type", "soapaction": req.headers.soapaction}', tot: 'jsonata' },
        { t: 'set', p: `headers["${REQUEST_POLICY_HEADER.toLowerCase()}"]`, pt: 'msg', to: name, tot: 'str' },
      ],
      x: 360,
      y: 60,
      wires: [[call]],
    },
    {
      id: call,
      type: 'http request',
      z: tab,
      name: '',
      method: 'POST',
      ret: 'txt',
      paytoqs: 'ignore',
      url: '',
      tls: '',
      persist: false,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      x: 560,
      y: 60,
      wires: [[responsePolicy]],
    },
    {
      id: responsePolicy,
      type: 'change',
      z: tab,
      name: RESPONSE_POLICY_NAME,
      rules: [
        // Hop-by-hop headers of the backend's answer are not the client's (RFC 9110 §7.6.1); the http response node frames its own.
        ...HOP_BY_HOP.map((name) => ({ t: 'delete', p: `headers["${name}"]`, pt: 'msg' })),
        {
          t: 'set',
          p: `headers["${RESPONSE_POLICY_HEADER.toLowerCase()}"]`,
          pt: 'msg',
          to: `${jsonataString(`${name}; request=`)} & headers."x-echo-${REQUEST_POLICY_HEADER.toLowerCase()}"`,
          tot: 'jsonata',
        },
      ],
      x: 760,
      y: 60,
      wires: [[reply]],
    },
    { id: reply, type: 'http response', z: tab, name: '', statusCode: '', headers: {}, x: 950, y: 60, wires: [] },
  ];
}

/** What `listing` counts in a flow configuration: our tabs, and the policy nodes on them. */
export function countOwnTabs(flows: readonly unknown[]): { tabs: number; requestPolicies: number; responsePolicies: number } {
  const own = new Set<string>();
  for (const node of flows) {
    const n = node as { type?: unknown; label?: unknown; id?: unknown };
    if (n.type === 'tab' && typeof n.label === 'string' && n.label.startsWith(TAB_PREFIX) && typeof n.id === 'string') own.add(n.id);
  }
  let requestPolicies = 0;
  let responsePolicies = 0;
  for (const node of flows) {
    const n = node as { type?: unknown; z?: unknown; name?: unknown };
    if (n.type !== 'change' || typeof n.z !== 'string' || !own.has(n.z)) continue;
    if (n.name === REQUEST_POLICY_NAME) requestPolicies++;
    if (n.name === RESPONSE_POLICY_NAME) responsePolicies++;
  }
  return { tabs: own.size, requestPolicies, responsePolicies };
}
