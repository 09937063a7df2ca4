/**
 * Start-up warm-up: before the real gateway listens, a scratch gateway in the same process is
 * driven through its own HTTP API with a few sample services (create group, import by URL, attach,
 * deploy, listing, GC, SOAP calls), then closed and its data dir removed. The code V8 compiles
 * for those paths and the clients' first-use state live on the heap; making them here keeps them
 * out of the first round's memory increment and out of the drop a restart would otherwise show.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startReferenceGateway } from './gateway.js';
import { REQUEST_CIRCUIT, REQUEST_POLICY_ADD_HEADER, RESPONSE_CIRCUIT, RESPONSE_POLICY_ADD_HEADER, type GatewayProfile } from './protocol.js';
import { contentTypeOf } from '../soap/message.js';
import type { WsdlParser } from './store.js';

/** A sample service to warm up with (generated from the built-in templates). */
export interface WarmUpSample {
  readonly group: string;
  readonly serviceName: string;
  readonly fileName: string;
  readonly wsdlText: string;
}

/** Runs the scratch gateway through every admin route the harness uses; returns the calls made. */
export async function warmUp(parseWsdl: WsdlParser, profile: GatewayProfile, samples: readonly WarmUpSample[]): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gwscale-reference-warm-up-'));
  const wsdlServer = createServer((req, res) => {
    const sample = samples.find((s) => `/${s.fileName}` === req.url);
    if (sample === undefined) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(sample.wsdlText);
  });
  await new Promise<void>((resolve) => wsdlServer.listen(0, '127.0.0.1', resolve));
  const wsdlBaseUrl = `http://127.0.0.1:${(wsdlServer.address() as AddressInfo).port}`;
  const credentials = { user: 'warm-up', password: randomBytes(16).toString('hex') };
  const gateway = await startReferenceGateway({ dataDir, profile, credentials, parseWsdl });
  const agent = new Agent({ connections: 4 });
  const authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  let calls = 0;
  const call = async (
    method: 'GET' | 'POST',
    url: string,
    body?: string,
    headers: Record<string, string> = { authorization, 'content-type': 'application/json' },
  ): Promise<void> => {
    const answer = await request(url, {
      method,
      headers,
      dispatcher: agent,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
      ...(body === undefined ? {} : { body }),
    });
    await answer.body.text();
    calls++;
  };
  try {
    const admin = gateway.adminUrl;
    for (const s of samples) {
      const group = encodeURIComponent(s.group);
      await call('POST', `${admin}/api/groups`, JSON.stringify({ name: s.group }));
      await call('POST', `${admin}/api/groups/${group}/services`, JSON.stringify({ wsdlUrl: `${wsdlBaseUrl}/${s.fileName}` }));
      await call(
        'POST',
        `${admin}/api/groups/${group}/services/${encodeURIComponent(s.serviceName)}/policies`,
        JSON.stringify({ circuit: REQUEST_CIRCUIT, policy: REQUEST_POLICY_ADD_HEADER }),
      );
      await call(
        'POST',
        `${admin}/api/groups/${group}/services/${encodeURIComponent(s.serviceName)}/policies`,
        JSON.stringify({ circuit: RESPONSE_CIRCUIT, policy: RESPONSE_POLICY_ADD_HEADER }),
      );
    }
    await call('POST', `${admin}/api/deploy`);
    await call('GET', `${admin}/api/listing`);
    await call('GET', `${admin}/api/info`);
    await call('GET', `${admin}/api/memory`);
    // The samples' endpoints are on a port nothing listens on: the data plane runs up to the forward.
    for (const s of samples.slice(0, 4)) {
      const envelope = `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:GetQuote xmlns:t="urn:warm-up"/></s:Body></s:Envelope>`;
      await call('POST', `${gateway.dataUrl}/${encodeURIComponent(s.serviceName)}`, envelope, { 'content-type': contentTypeOf('1.1') });
    }
  } finally {
    await agent.close();
    await gateway.close();
    await new Promise<void>((resolve) => wsdlServer.close(() => resolve()));
    await rm(dataDir, { recursive: true, force: true });
  }
  return calls;
}
