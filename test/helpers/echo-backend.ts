/**
 * A SOAP backend stand-in in the test process, for the proxy targets' tests (HAProxy, Varnish): it
 * answers every POST with a small envelope, after `?slowMs=` if asked, and remembers the request
 * headers by path, so a test can see what the gateway's request policy sent on.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EchoBackend {
  readonly url: string;
  /** The headers of the last request to each path. */
  readonly seen: Map<string, IncomingHttpHeaders>;
  /** Closes every connection too, so a request still waiting for its answer does not hold the test. */
  close(): Promise<void>;
}

/** Starts the backend on 127.0.0.1 (a free port). */
export async function startEchoBackend(): Promise<EchoBackend> {
  const seen = new Map<string, IncomingHttpHeaders>();
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.set(url.pathname, req.headers);
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
        res.end(
          '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ok/></soapenv:Body></soapenv:Envelope>',
        );
      };
      const slowMs = Number(url.searchParams.get('slowMs') ?? 0);
      if (slowMs > 0) setTimeout(answer, Math.min(slowMs, 30_000));
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends a POST through the gateway that the backend answers after `slowMs`; resolves with the status, or the error's code. */
export function slowRequest(dataUrl: string, path: string, slowMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${dataUrl}${path}?slowMs=${slowMs}`, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    req.end('<x/>');
  });
}
