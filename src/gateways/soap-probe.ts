/**
 * One SOAP request per service, built from its parsed WSDL, for an adapter's `verify`: the
 * endpoint to call, the operation, and a minimal document/literal envelope in the binding's SOAP
 * version. Not the load generator's sender (src/traffic/): this runs once per service, off the hot path.
 */
import { request, type Dispatcher } from 'undici';
import { inputError, messageOf } from '../errors.js';
import type { WsdlBinding, WsdlDocument, WsdlEndpoint, WsdlOperation } from '../wsdl/model.js';
import { buildEnvelope, soapHeaders, splitClarkName } from '../soap/envelope.js';
import type { VerifyOutcome } from './adapter.js';

/** What a SOAP probe sends. */
export interface SoapProbe {
  readonly serviceName: string;
  /** The endpoint address from the WSDL the probe is meant for. */
  readonly address: string;
  readonly operation: string;
  readonly soapVersion: '1.1' | '1.2';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Endpoints of a service with the binding each uses, SOAP 1.1 first (the most widely answered). */
function soapEndpoints(doc: WsdlDocument, serviceName: string): Array<{ endpoint: WsdlEndpoint; binding: WsdlBinding }> {
  const service = doc.services.find((s) => s.name === serviceName) ?? doc.services[0];
  const found: Array<{ endpoint: WsdlEndpoint; binding: WsdlBinding }> = [];
  for (const endpoint of service?.endpoints ?? []) {
    const binding = doc.bindings.find((b) => b.name === endpoint.bindingName);
    if (binding !== undefined && (binding.protocol === 'soap11' || binding.protocol === 'soap12')) found.push({ endpoint, binding });
  }
  return found.sort((a, b) => (a.binding.protocol === b.binding.protocol ? 0 : a.binding.protocol === 'soap11' ? -1 : 1));
}

/** Operations of a binding's interface; request–response ones first (they prove both directions). */
function operationsOf(doc: WsdlDocument, binding: WsdlBinding): WsdlOperation[] {
  const ops = doc.interfaces.find((i) => i.name === binding.interfaceName)?.operations ?? [];
  return [...ops].sort((a, b) => (a.pattern === b.pattern ? 0 : a.pattern === 'in-out' ? -1 : b.pattern === 'in-out' ? 1 : 0));
}

/** Number of distinct operations the service's SOAP bindings expose. */
export function countOperations(doc: WsdlDocument, serviceName: string): number {
  const names = new Set<string>();
  for (const { binding } of soapEndpoints(doc, serviceName)) for (const op of operationsOf(doc, binding)) names.add(op.name);
  return names.size;
}

/**
 * The probe for a service: its first SOAP endpoint (1.1 preferred), its first request–response
 * operation, an envelope whose body element is the operation's input element.
 * Throws an input error naming `doc.source` when the service has no SOAP endpoint or operation.
 */
export function soapProbeFor(doc: WsdlDocument, serviceName: string): SoapProbe {
  const first = soapRequestsFor(doc, serviceName)[0];
  if (first === undefined) throw inputError(`${doc.source}: service ${serviceName} has no operations`);
  return first;
}

/**
 * One request per operation of the service's first SOAP endpoint (1.1 preferred), request–response
 * operations first: what the concurrency phase sends to exercise every operation.
 * Throws an input error naming `doc.source` when the service has no SOAP endpoint.
 */
export function soapRequestsFor(doc: WsdlDocument, serviceName: string): SoapProbe[] {
  const first = soapEndpoints(doc, serviceName)[0];
  if (first === undefined) throw inputError(`${doc.source}: service ${serviceName} has no SOAP endpoint to send a request to`);
  const soapVersion = first.binding.protocol === 'soap12' ? '1.2' : '1.1';
  return operationsOf(doc, first.binding).map((operation) => {
    const action = first.binding.operations.find((o) => o.name === operation.name)?.soapAction ?? null;
    // A bare input element (or none: RPC style) is taken to be in the document's target namespace.
    const element = operation.inputElement ?? operation.name;
    const qname = element.startsWith('{') ? element : `{${doc.targetNamespace}}${element}`;
    // The same envelope and headers as the load generator's, with one marker child instead of sample values.
    const body = buildEnvelope(soapVersion, qname, splitClarkName(qname).ns === '' ? '<probe>gwscale</probe>' : '<ns:probe>gwscale</ns:probe>');
    return { serviceName, address: first.endpoint.address, operation: operation.name, soapVersion, headers: soapHeaders(soapVersion, action), body };
  });
}

/** What came back for a probe: status, headers (lower-case names) and the body text. */
export interface ProbeAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Posts a probe on `dispatcher`'s connections. A verify batch uses an Agent of its own: a gateway
 * that just reloaded may have closed the pooled connections of the global client.
 */
export async function postProbe(
  url: string,
  probe: SoapProbe,
  options: { readonly dispatcher: Dispatcher; readonly timeoutMs: number; readonly headers?: Readonly<Record<string, string>> },
): Promise<ProbeAnswer> {
  const response = await request(url, {
    method: 'POST',
    headers: { ...probe.headers, ...options.headers },
    body: probe.body,
    dispatcher: options.dispatcher,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    signal: AbortSignal.timeout(options.timeoutMs),
  });
  const body = await response.body.text();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.statusCode, headers, body };
}

/**
 * Posts a probe and judges the answer, for `verify`: never throws. `problemsOf` lists what the
 * target's policies should have done to the answer and did not; a status other than 200 or 202 is
 * a problem too, and a request that got no answer is one naming the URL.
 */
export async function judgeProbe(
  serviceName: string,
  url: string,
  probe: SoapProbe,
  options: Parameters<typeof postProbe>[2],
  problemsOf: (answer: ProbeAnswer) => readonly string[],
): Promise<VerifyOutcome> {
  try {
    const answer = await postProbe(url, probe, options);
    const problems = answer.status === 200 || answer.status === 202 ? [] : [`HTTP ${answer.status}`];
    problems.push(...problemsOf(answer));
    return problems.length === 0
      ? { serviceName, ok: true, status: answer.status }
      : { serviceName, ok: false, status: answer.status, error: problems.join('; ') };
  } catch (error) {
    return { serviceName, ok: false, status: null, error: `POST ${url}: ${describeRequestError(error)}` };
  }
}

/**
 * The problem list for a gateway whose response policy writes `expected` into `header`: none when
 * it did; else whether the response policy did not run at all, or ran without the request
 * policy's header (the value it wrote shows what it saw).
 */
export function responsePolicyProblems(answer: ProbeAnswer, header: string, expected: string): string[] {
  const policy = answer.headers[header.toLowerCase()];
  if (policy === expected) return [];
  return [policy === undefined ? `response policy not applied: no ${header} header` : `request policy not applied: ${header} is '${policy}'`];
}

/** An error's message with its cause (`fetch failed: other side closed`), on one line. */
export function describeRequestError(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? `: ${messageOf(error.cause)}` : '';
  return `${messageOf(error)}${cause}`;
}

/** What `verify` needs of one service of a proxy target. */
export interface ProbedService {
  readonly spec: { readonly serviceName: string };
  readonly probe: SoapProbe;
  /** Path on the data plane the probe posts to. */
  readonly probePath: string;
}

/**
 * Probes one service of a proxy target (Caddy, HAProxy, Varnish, Node-RED) whose response policy
 * writes `<serviceName>; request=<the request policy's header as the backend got it>` into
 * `header`: when that value comes back, both policies ran.
 */
export function probeBothPolicies(service: ProbedService, dataUrl: string, header: string, options: Parameters<typeof postProbe>[2]): Promise<VerifyOutcome> {
  const name = service.spec.serviceName;
  return judgeProbe(name, `${dataUrl}${service.probePath}`, service.probe, options, (answer) =>
    responsePolicyProblems(answer, header, `${name}; request=${name}`),
  );
}
