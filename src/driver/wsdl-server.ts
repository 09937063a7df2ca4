/**
 * Serves the run's WSDL files on loopback, so gateways import them by URL as they would from a
 * service registry. Documents are generated on request from their index: the harness holds no
 * per-service text in memory. The server is `http1/document-server.ts` (a gateway fetches one WSDL
 * per registration, and node:http cost the harness most of that fetch).
 */
import { startDocumentServer, type DocumentAnswer } from '../http1/document-server.js';
import type { ServiceSpec } from '../wsdl/model.js';

export interface WsdlServer {
  readonly url: string;
  close(): Promise<void>;
}

const WSDL_TYPE = 'text/xml; charset=utf-8';

/**
 * @param serviceAt the service with a given 0-based index, or undefined past the end.
 * @param indexOf the index a file name stands for (inverse of `ServiceSpec.fileName`), or undefined.
 */
export async function startWsdlServer(
  serviceAt: (index: number) => ServiceSpec | undefined,
  indexOf: (fileName: string) => number | undefined,
): Promise<WsdlServer> {
  const documentAt = (path: string): DocumentAnswer => {
    const name = path.slice(1);
    const index = indexOf(name);
    const spec = index === undefined ? undefined : serviceAt(index);
    if (spec === undefined || spec.fileName !== name) return { status: 404, reason: `no WSDL named ${name}` };
    return { contentType: WSDL_TYPE, body: spec.wsdlText };
  };
  return startDocumentServer(documentAt);
}
