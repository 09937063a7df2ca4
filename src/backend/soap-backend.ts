/**
 * The SOAP backend gateway services forward to: answers every operation of any service at
 * `/${serviceName}` (and below, e.g. `/soap12`) with the `soap` package, after an injectable
 * latency. A service's `soap` server is built lazily on its first request and kept in a bounded
 * LRU cache, so 20,000 services cost no more than the most recent few hundred.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import * as soap from 'soap';
import { Agent, request } from 'undici';
import { parseWsdl } from '../wsdl/index.js';
import { learnOperation, modelFromWsdl, requestElementOf, type BackendServiceModel } from './service-model.js';
import { PORT_NAME, synthesiseWsdl, type BackendAnswer } from './synth-wsdl.js';
import { LATENCY_ROUTE, REQUESTS_ROUTE } from './routes.js';

export interface BackendOptions {
  /** Added before every answer (a degraded provider); default 0. */
  readonly latencyMs?: number;
  /**
   * Where the harness serves the run's WSDL files: the backend reads a service's WSDL there (to
   * know its one-way operations and actions). Without it, operations are learned from requests.
   */
  readonly wsdlBaseUrl?: string;
  /** WSDL file name of a service under `wsdlBaseUrl`; default: the generator's `SvcNNNNN_xxxxxx` → `svc-NNNNN.wsdl`. */
  readonly wsdlFileFor?: (serviceName: string) => string | undefined;
  /** Port on 127.0.0.1; default 0 (any free port). */
  readonly port?: number;
  /** Services whose `soap` servers are kept; default 500. */
  readonly cachedServices?: number;
}

/** A running in-process backend. */
export interface Backend {
  /** `http://127.0.0.1:PORT`: the endpoint base of every generated WSDL. */
  readonly url: string;
  setLatencyMs(ms: number): void;
  /** Requests answered so far (SOAP answers and faults; the control routes are not counted). */
  requests(): number;
  close(): Promise<void>;
}

export { LATENCY_ROUTE };

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** The generator names services `Svc00042_7f3a9c` and serves them as `svc-00042.wsdl`. */
export function generatedWsdlFile(serviceName: string): string | undefined {
  const m = /^Svc(\d{5,})_[0-9a-f]{6}$/.exec(serviceName);
  return m ? `svc-${m[1] ?? ''}.wsdl` : undefined;
}

/** A small LRU map: reading an entry makes it the newest; the oldest goes when full. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}

const soapFault = (soap12: boolean, reason: string): string => {
  const text = reason.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
  return soap12
    ? `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value></env:Code><env:Reason><env:Text xml:lang="en">${text}</env:Text></env:Reason></env:Fault></env:Body></env:Envelope>`
    : `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode><faultstring>${text}</faultstring></soap:Fault></soap:Body></soap:Envelope>`;
};

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts a backend on 127.0.0.1 in this process. */
export async function startBackend(options: BackendOptions = {}): Promise<Backend> {
  let latencyMs = options.latencyMs ?? 0;
  let answered = 0;
  const fileFor = options.wsdlFileFor ?? generatedWsdlFile;
  const fetcher = new Agent({ connections: 8, keepAliveTimeout: 10_000 });
  const models = new Lru<Promise<BackendServiceModel>>(100_000);
  const servers = new Lru<Promise<soap.Server>>(options.cachedServices ?? 500);

  /** The service's model: from its WSDL when the harness serves one, else empty (learned). */
  const modelOf = (serviceName: string): Promise<BackendServiceModel> => {
    let model = models.get(serviceName);
    if (model === undefined) {
      model = (async (): Promise<BackendServiceModel> => {
        const file = options.wsdlBaseUrl === undefined ? undefined : fileFor(serviceName);
        if (file !== undefined && options.wsdlBaseUrl !== undefined) {
          const url = `${options.wsdlBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(file)}`;
          try {
            const answer = await request(url, { dispatcher: fetcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
            const text = await answer.body.text();
            if (answer.statusCode === 200) {
              const fromWsdl = modelFromWsdl(parseWsdl(text, url), serviceName);
              if (fromWsdl !== null) return fromWsdl;
            }
          } catch {
            // Not served or not parseable: learn the operations from the requests instead.
          }
        }
        return { name: serviceName, operations: new Map(), fromWsdl: false };
      })();
      models.set(serviceName, model);
    }
    return model;
  };

  const buildServer = (model: BackendServiceModel, soap12: boolean): Promise<soap.Server> => {
    const implementation: Record<string, (args: unknown, cb: unknown, headers: unknown, req: IncomingMessage) => Promise<BackendAnswer>> = {};
    for (const op of model.operations.values()) {
      // The injected latency is waited out before the soap package is called (see `answer`).
      implementation[op.name] = (_args, _cb, _headers, req) => {
        const policy = req.headers['x-gw-request-policy'];
        return Promise.resolve({
          operation: op.name,
          service: model.name,
          requestPolicy: typeof policy === 'string' ? policy : '',
          answeredAt: new Date().toISOString(),
        });
      };
    }
    return new Promise((resolve, reject) => {
      const server: soap.Server = soap.listen(null, {
        path: `/${model.name}`,
        services: { [model.name]: { [PORT_NAME]: implementation } },
        xml: synthesiseWsdl(model, soap12),
        forceSoap12Headers: soap12,
        oneWay: { responseCode: 202, emptyBody: false },
        suppressStack: true,
        callback: (error: unknown) =>
          error ? reject(error instanceof Error ? error : new Error('the soap package could not read the synthesised WSDL')) : resolve(server),
      });
    });
  };

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://backend');
    if (url.pathname === REQUESTS_ROUTE) {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ requests: answered }));
      return;
    }
    if (url.pathname === LATENCY_ROUTE) {
      const ms = Number(url.searchParams.get('ms'));
      req.resume();
      if (req.method !== 'POST' || !Number.isInteger(ms) || ms < 0 || ms > 600_000) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('POST /_gwscale/latency?ms=N with N from 0 to 600000\n');
        return;
      }
      latencyMs = ms;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ latencyMs }));
      return;
    }
    const soap12 = /^\s*application\/soap\+xml/i.test(req.headers['content-type'] ?? '');
    const fault = (status: number, reason: string): void => {
      const body = soapFault(soap12, reason);
      res.writeHead(status, { 'content-type': soap12 ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8' }).end(body);
    };
    const serviceName = decodeURIComponent(url.pathname.split('/')[1] ?? '');
    if (serviceName === '' || req.method !== 'POST') {
      req.resume();
      fault(serviceName === '' ? 404 : 405, serviceName === '' ? 'POST SOAP requests to /{serviceName}' : 'SOAP requests are POSTed');
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      fault(413, `request body is over ${MAX_BODY_BYTES} bytes`);
      return;
    }
    const element = requestElementOf(body);
    if (element === null) {
      fault(400, 'no SOAP Body element in the request');
      return;
    }
    const model = await modelOf(serviceName);
    const rawAction = req.headers['soapaction'];
    const action = typeof rawAction === 'string' && rawAction !== '""' && rawAction !== '' ? rawAction.replace(/^"(.*)"$/, '$1') : null;
    const key = `${serviceName}|${soap12 ? '1.2' : '1.1'}`;
    // A new operation changes the service's WSDL: rebuild its soap servers.
    if (learnOperation(model, element, action)) {
      servers.delete(`${serviceName}|1.1`);
      servers.delete(`${serviceName}|1.2`);
    }
    if (!model.operations.has(element.local)) {
      fault(400, `service ${serviceName} has no operation taking ${element.local}`);
      return;
    }
    let server = servers.get(key);
    if (server === undefined) {
      server = buildServer(model, soap12);
      servers.set(key, server);
      // A WSDL the soap package refused is not kept: the next request tries again.
      server.catch(() => servers.delete(key));
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    // The operation is chosen by its body element (as matched above): a SOAPAction the model
    // does not list (learned operations have none) would make the soap package miss the method.
    const forSoap = { ...headers };
    delete forSoap['soapaction'];
    const appliedLatencyMs = latencyMs;
    // Waited out here, for every operation: the soap package answers a one-way operation (202)
    // without waiting for its method, so a wait inside the method would hold only request-response ones.
    if (appliedLatencyMs > 0) await sleep(appliedLatencyMs);
    const result = await (await server).processRequest(body, { headers: forSoap, url: `/${serviceName}`, method: 'POST' });
    const out: Record<string, string> = {
      'content-type': String(result.headers['content-type'] ?? 'text/xml; charset=utf-8'),
      'x-backend-service': serviceName,
      'x-backend-latency-ms': String(appliedLatencyMs),
    };
    // Echo the gateway's headers so a test can see the request policy took effect.
    for (const [name, value] of Object.entries(headers)) if (name.startsWith('x-gw-')) out[`x-echo-${name}`] = value;
    res.writeHead(result.statusCode, out).end(result.body);
  };

  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    // What a load generator's totals are checked against: every request but the control routes.
    if (!(req.url ?? '').startsWith('/_gwscale/')) answered++;
    answer(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = soapFault(false, `backend error: ${error instanceof Error ? error.message : String(error)}`);
      res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' }).end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    setLatencyMs: (ms: number) => {
      latencyMs = ms;
    },
    requests: () => answered,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await fetcher.close();
    },
  };
}
