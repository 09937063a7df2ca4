/**
 * Serves the run's WSDL files on loopback, so gateways import them by URL as they would from a
 * service registry. Documents are generated on request from their index: the harness holds no
 * per-service text in memory.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceSpec } from '../wsdl/model.js';

export interface WsdlServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * @param serviceAt the service with a given 0-based index, or undefined past the end.
 * @param indexOf the index a file name stands for (inverse of `ServiceSpec.fileName`), or undefined.
 */
export async function startWsdlServer(
  serviceAt: (index: number) => ServiceSpec | undefined,
  indexOf: (fileName: string) => number | undefined,
): Promise<WsdlServer> {
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]?.slice(1) ?? '');
    const index = indexOf(name);
    const spec = index === undefined ? undefined : serviceAt(index);
    if (req.method !== 'GET' || spec === undefined || spec.fileName !== name) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no WSDL named ${name}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(spec.wsdlText);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
