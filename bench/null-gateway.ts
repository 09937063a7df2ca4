/**
 * The null gateway: a process that speaks the reference gateway's deployment API (the routes and
 * answer shapes the reference adapter uses) and answers every call at once, keeping only counters.
 * With it, the harness's own cost per registration is all that is left to measure.
 *
 *   node --import tsx bench/null-gateway.ts [--data-dir D --profile P …]   (arguments are ignored)
 *
 * Like the reference gateway it imports each WSDL by URL from the harness's WSDL server (that
 * serving is harness work a real run pays for) and takes the service name from the document.
 * Prints one line `{"event":"listening",…}` on stdout once it listens on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { exitWithParent } from '../src/process/parent-watch.js';

const user = process.env['GWSCALE_GATEWAY_USER'] ?? '';
const password = process.env['GWSCALE_GATEWAY_PASSWORD'] ?? '';
delete process.env['GWSCALE_GATEWAY_PASSWORD'];
const expectedAuthorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const fetcher = new Agent({ connections: 128, keepAliveTimeout: 30_000 });
const SERVICE_NAME = /<(?:[A-Za-z_][\w.-]*:)?service\s+name="([^"]+)"/;

let groups = 0;
let services = 0;
let deployVersion = 0;
let deployedServices = 0;

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

const counts = (n: number): Record<string, number | null> => ({ serviceGroups: n, services: n, operations: null, circuits: null, attachedPolicies: null });

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.headers.authorization !== expectedAuthorization) {
    req.resume();
    send(res, 401, { error: 'authentication required' });
    return;
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const body = req.method === 'POST' ? await bodyOf(req) : {};
  if (req.method === 'GET' && path === '/api/info') return send(res, 200, { version: 'gwscale-null-gateway 0', deployVersion });
  if (req.method === 'POST' && path === '/api/groups') {
    groups++;
    return send(res, 201, { created: true, name: body['name'] });
  }
  if (req.method === 'POST' && /^\/api\/groups\/[^/]+\/services$/.test(path)) {
    const answer = await request(String(body['wsdlUrl']), { dispatcher: fetcher });
    const text = await answer.body.text();
    const name = SERVICE_NAME.exec(text)?.[1];
    if (answer.statusCode !== 200 || name === undefined)
      return send(res, 400, { error: `no service in ${String(body['wsdlUrl'])} (HTTP ${answer.statusCode})` });
    services++;
    return send(res, 201, { created: true, services: [{ name, operations: [] }] });
  }
  if (req.method === 'POST' && /^\/api\/groups\/[^/]+\/services\/[^/]+\/policies$/.test(path)) return send(res, 200, { attached: 1, alreadyAttached: 0 });
  if (req.method === 'POST' && path === '/api/deploy') {
    deployVersion++;
    deployedServices = services;
    return send(res, 200, { status: 'deployed', deployVersion, ms: 0, configBytes: 0, services });
  }
  if (req.method === 'GET' && path === '/api/listing')
    return send(res, 200, { store: counts(services), active: deployVersion === 0 ? null : counts(deployedServices) });
  if (req.method === 'POST' && path === '/api/gc') {
    const m = process.memoryUsage();
    return send(res, 200, {
      heapUsedBytes: m.heapUsed,
      heapTotalBytes: m.heapTotal,
      rssBytes: m.rss,
      externalBytes: m.external,
      arrayBuffersBytes: m.arrayBuffers,
      heapLimitBytes: 0,
      afterGc: false,
      groups,
    });
  }
  send(res, 404, { error: `no route ${req.method ?? '?'} ${path}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : String(error) }));
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.stdout.write(`${JSON.stringify({ event: 'listening', version: 'gwscale-null-gateway 0', adminUrl: url, dataUrl: url })}\n`);
});
const shutdown = (): void => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
exitWithParent(shutdown);
