/**
 * Real local HTTP servers for the traffic tests: bound to 127.0.0.1 on a free port, counting what
 * they see, closed (with every connection) by the test's afterAll/finally.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SOAP_OK =
  '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  '<soapenv:Body><ns:GetQuoteResponse xmlns:ns="urn:test"><ns:price>1.5</ns:price></ns:GetQuoteResponse></soapenv:Body></soapenv:Envelope>';

export const SOAP_FAULT =
  '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">' +
  '<soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>backend down</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';

export interface SeenRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestServer {
  readonly url: string;
  readonly port: number;
  /** Requests answered or being answered. */
  requests: number;
  inFlight: number;
  maxInFlight: number;
  /** The first requests seen (up to 50), for header and body checks. */
  readonly seen: SeenRequest[];
  readonly paths: Set<string>;
  /** Runs `fn` after `ms`; pending timers are cleared by `close`. */
  readonly later: (ms: number, fn: () => void) => void;
  readonly close: () => Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string, server: TestServer) => void;

/** Answers every request with a fixed SOAP 1.1 response. */
export const answerOk: Handler = (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
  res.end(SOAP_OK);
};

/** Starts a server on 127.0.0.1, port 0, with `handler` answering each request. */
export async function startServer(handler: Handler = answerOk): Promise<TestServer> {
  const http = createServer();
  const timers = new Set<NodeJS.Timeout>();
  const state: TestServer = {
    url: '',
    port: 0,
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    seen: [],
    paths: new Set(),
    later: (ms, fn) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests++;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      state.paths.add(req.url ?? '');
      if (state.seen.length < 50) state.seen.push({ path: req.url ?? '', headers: req.headers, body });
      res.on('close', () => state.inFlight--);
      handler(req, res, body, state);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return Object.assign(state, { url: `http://127.0.0.1:${port}/services/quote`, port });
}

/**
 * A server that stalls: every request arriving between `afterMs` and `afterMs + stallMs` (counted
 * from its first request) is answered only when the stall ends.
 */
export async function startStallingServer(afterMs: number, stallMs: number): Promise<TestServer> {
  let firstAt = 0;
  return startServer((req, res, body, server) => {
    const now = Date.now();
    if (firstAt === 0) firstAt = now;
    const stallEnd = firstAt + afterMs + stallMs;
    if (now >= firstAt + afterMs && now < stallEnd) server.later(stallEnd - now, () => answerOk(req, res, body, server));
    else answerOk(req, res, body, server);
  });
}

/** A server that holds every answer `ms` before sending it. */
export function startSlowServer(ms: number): Promise<TestServer> {
  return startServer((req, res, body, server) => server.later(ms, () => answerOk(req, res, body, server)));
}
