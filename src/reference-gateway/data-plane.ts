/**
 * The SOAP data plane: a POST to a deployed service's path runs the operation's request circuit
 * policies, forwards to the service's endpoint address with a pooled HTTP client, runs the response
 * circuit policies and answers. Only the active (deployed) configuration is served.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'undici';
import { ApiError } from './api-error.js';
import type { ActiveConfiguration, ActiveEndpoint, ActiveOperation, ActiveService } from './active-config.js';
import { isLoopbackUrl } from './fetch-wsdl.js';
import { readBody } from './http-util.js';
import type { OperationPools } from './operation-pool.js';
import type { RequestTrail } from './request-trail.js';
import type { MessageContext } from './policies.js';
import { contentTypeOf, firstBodyElement, soapActionOf, soapFault, soapVersionOf, type SoapVersion } from '../soap/message.js';

export interface DataPlaneOptions {
  readonly active: () => ActiveConfiguration | null;
  /** Set in the `operation-pool` profile. */
  readonly pools: OperationPools | null;
  /** Set in the `request-leak` profile. */
  readonly trail: RequestTrail | null;
  /** Timeout for one backend call. */
  readonly backendTimeoutMs: number;
}

/** Response headers that describe one hop and must not be copied to the next. */
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade', 'te', 'trailer']);

export type DataPlaneHandler = ((req: IncomingMessage, res: ServerResponse) => void) & { close(): Promise<void> };

function sendFault(res: ServerResponse, version: SoapVersion, status: number, reason: string): void {
  const body = soapFault(version, status < 500, reason);
  res.writeHead(status, { 'content-type': contentTypeOf(version), 'content-length': Buffer.byteLength(body) }).end(body);
}

function pickOperation(service: ActiveService, action: string | null, body: string): ActiveOperation | undefined {
  if (action !== null) {
    const byAction = service.byAction.get(action);
    if (byAction !== undefined) return byAction;
  }
  const element = firstBodyElement(body);
  if (element !== null) {
    const byElement = service.byElement.get(element);
    if (byElement !== undefined) return byElement;
  }
  return service.operations.length === 1 ? service.operations[0] : undefined;
}

function pickEndpoint(service: ActiveService, version: SoapVersion): ActiveEndpoint | undefined {
  const wanted = version === '1.2' ? 'soap12' : 'soap11';
  return service.endpoints.find((e) => e.protocol === wanted) ?? service.endpoints[0];
}

/** Builds the data-plane request listener with its pooled backend client. */
export function createDataPlane(options: DataPlaneOptions): DataPlaneHandler {
  // Idle backend connections close soon, so memory measured after traffic is not their buffers.
  const agent = new Agent({ connections: 256, keepAliveTimeout: 2_000, keepAliveMaxTimeout: 2_000, pipelining: 1 });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const version = soapVersionOf(req.headers['content-type']);
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://gateway').pathname).replace(/(.)\/$/, '$1');
    const active = options.active();
    const service = active?.routes.get(path);
    if (service === undefined) {
      req.resume();
      sendFault(res, version, 404, `no deployed service at ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      sendFault(res, version, 405, `${path} takes SOAP requests by POST`);
      return;
    }
    const body = await readBody(req);
    const action = soapActionOf(req.headers);
    const operation = pickOperation(service, action, body);
    if (operation === undefined) {
      sendFault(
        res,
        version,
        400,
        `no operation of ${service.name} matches the request (action ${action ?? 'none'}, body element ${firstBodyElement(body) ?? 'none'})`,
      );
      return;
    }
    const endpoint = pickEndpoint(service, version);
    if (endpoint === undefined) {
      sendFault(res, version, 502, `${service.name} has no SOAP endpoint`);
      return;
    }
    const target = new URL(endpoint.address);
    if (!isLoopbackUrl(target)) {
      sendFault(res, version, 502, `${service.name}: endpoint ${target.origin} is not on loopback; the reference gateway does not forward off this machine`);
      return;
    }
    options.trail?.keep(operation.key, action, body);
    const lease = options.pools?.acquire(operation.key);
    try {
      const inbound: MessageContext = { headers: { 'content-type': req.headers['content-type'] ?? contentTypeOf(version) }, body, rejection: null };
      if (version === '1.1') inbound.headers['soapaction'] = typeof req.headers['soapaction'] === 'string' ? req.headers['soapaction'] : '""';
      for (const policy of operation.requestPolicies) {
        policy(inbound);
        if (inbound.rejection) {
          sendFault(res, version, inbound.rejection.status, inbound.rejection.reason);
          return;
        }
      }
      let answer: Awaited<ReturnType<typeof request>>;
      let answerBody: string;
      try {
        answer = await request(target, {
          method: 'POST',
          headers: inbound.headers,
          body: inbound.body,
          dispatcher: agent,
          headersTimeout: options.backendTimeoutMs,
          bodyTimeout: options.backendTimeoutMs,
        });
        answerBody = await answer.body.text();
      } catch (error) {
        const code = error instanceof Error ? ((error as Error & { code?: string }).code ?? error.message) : String(error);
        sendFault(res, version, 502, `backend ${target.href} failed: ${code}`);
        return;
      }
      const outbound: MessageContext = { headers: {}, body: answerBody, rejection: null };
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value === undefined || hopByHop.has(name)) continue;
        outbound.headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      for (const policy of operation.responsePolicies) {
        policy(outbound);
        if (outbound.rejection) {
          sendFault(res, version, outbound.rejection.status, outbound.rejection.reason);
          return;
        }
      }
      outbound.headers['content-length'] = String(Buffer.byteLength(outbound.body));
      res.writeHead(answer.statusCode, outbound.headers).end(outbound.body);
    } finally {
      lease?.release();
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof ApiError ? error.status : 500;
      if (!res.headersSent) sendFault(res, soapVersionOf(req.headers['content-type']), status, error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  };
  return Object.assign(listener, { close: () => agent.close() });
}
