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
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Http1Pool } from '../src/http1/keep-alive-pool.js';
import { exitWithParent } from '../src/process/parent-watch.js';

const user = process.env['GWSCALE_GATEWAY_USER'] ?? '';
const password = process.env['GWSCALE_GATEWAY_PASSWORD'] ?? '';
delete process.env['GWSCALE_GATEWAY_PASSWORD'];
const expectedAuthorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const SERVICE_NAME = /<(?:[A-Za-z_][\w.-]*:)?service\s+name="([^"]+)"/;
const NO_HEADERS = Object.freeze({});
/** WSDL fetches, one keep-alive pool per origin (the harness serves them from one). */
const fetchers = new Map<string, Http1Pool>();

let groups = 0;
let services = 0;
let deployVersion = 0;
let deployedServices = 0;

/** One request as read off the socket. */
interface Request {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  /** The body's text; parsed as JSON by `handle`. */
  readonly text: string;
}

type Answer = readonly [status: number, body: unknown];

const reasons: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  500: 'Internal Server Error',
};

function answerText(status: number, body: unknown): string {
  const text = JSON.stringify(body);
  return `HTTP/1.1 ${status} ${reasons[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
}

async function fetchWsdl(url: string): Promise<{ status: number; text: string }> {
  const parsed = new URL(url);
  let pool = fetchers.get(parsed.origin);
  if (pool === undefined) fetchers.set(parsed.origin, (pool = new Http1Pool(parsed.origin, { connections: 128 })));
  const answer = await pool.request({ method: 'GET', path: parsed.pathname + parsed.search, headers: NO_HEADERS, timeoutMs: 120_000 });
  return { status: answer.status, text: answer.text };
}

const counts = (n: number): Record<string, number | null> => ({ serviceGroups: n, services: n, operations: null, circuits: null, attachedPolicies: null });

async function handle(req: Request): Promise<Answer> {
  if (req.authorization !== expectedAuthorization) return [401, { error: 'authentication required' }];
  const { method, path } = req;
  let body: Record<string, unknown>;
  try {
    body = req.text === '' ? {} : (JSON.parse(req.text) as Record<string, unknown>);
  } catch {
    return [400, { error: 'the body is not JSON' }];
  }
  if (method === 'GET' && path === '/api/info') return [200, { version: 'gwscale-null-gateway 0', deployVersion }];
  if (method === 'POST' && path === '/api/groups') {
    groups++;
    return [201, { created: true, name: body['name'] }];
  }
  if (method === 'POST' && /^\/api\/groups\/[^/]+\/services$/.test(path)) {
    const answer = await fetchWsdl(String(body['wsdlUrl']));
    const name = SERVICE_NAME.exec(answer.text)?.[1];
    if (answer.status !== 200 || name === undefined) return [400, { error: `no service in ${String(body['wsdlUrl'])} (HTTP ${answer.status})` }];
    services++;
    return [201, { created: true, services: [{ name, operations: [] }] }];
  }
  if (method === 'POST' && /^\/api\/groups\/[^/]+\/services\/[^/]+\/policies$/.test(path)) return [200, { attached: 1, alreadyAttached: 0 }];
  if (method === 'POST' && path === '/api/deploy') {
    deployVersion++;
    deployedServices = services;
    return [200, { status: 'deployed', deployVersion, ms: 0, configBytes: 0, services }];
  }
  if (method === 'GET' && path === '/api/listing') return [200, { store: counts(services), active: deployVersion === 0 ? null : counts(deployedServices) }];
  if (method === 'POST' && path === '/api/gc') {
    const m = process.memoryUsage();
    return [
      200,
      {
        heapUsedBytes: m.heapUsed,
        heapTotalBytes: m.heapTotal,
        rssBytes: m.rss,
        externalBytes: m.external,
        arrayBuffersBytes: m.arrayBuffers,
        heapLimitBytes: 0,
        afterGc: false,
        groups,
      },
    ];
  }
  return [404, { error: `no route ${method} ${path}` }];
}

const contentLength = /\r\ncontent-length:[ \t]*(\d+)/i;
const authorizationField = /\r\nauthorization:[ \t]*([^\r]*)/i;

/**
 * Reads requests off a keep-alive connection (Content-Length bodies; the harness's client sends no
 * other framing) and answers each with one write, in order. No node:http: the null gateway must
 * cost far less than the harness it stands beside, or the harness waits on it and pays a wake-up
 * per answer that a faster gateway would not cause.
 */
function serve(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let pending: Buffer = Buffer.alloc(0);
  /** Answers go out in request order, even when an import waits for its WSDL. */
  let chain: Promise<void> = Promise.resolve();
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.toString('latin1', 0, end);
      const total = end + 4 + Number(contentLength.exec(head)?.[1] ?? 0);
      if (pending.length < total) return;
      const text = pending.toString('utf8', end + 4, total);
      pending = pending.subarray(total);
      const [method = '', target = '/'] = head.slice(0, head.indexOf('\r\n')).split(' ');
      const request: Request = {
        method,
        path: target.split('?')[0] ?? '/',
        authorization: authorizationField.exec(head)?.[1],
        text,
      };
      const answered = handle(request).catch((error: unknown): Answer => [500, { error: error instanceof Error ? error.message : String(error) }]);
      chain = chain
        .then(() => answered)
        .then(([status, body]) => void socket.write(answerText(status, body)))
        .catch(() => void socket.destroy());
    }
  });
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.stdout.write(`${JSON.stringify({ event: 'listening', version: 'gwscale-null-gateway 0', adminUrl: url, dataUrl: url })}\n`);
});
const shutdown = (): void => {
  for (const pool of fetchers.values()) void pool.destroy();
  server.close();
  process.exit(0);
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
exitWithParent(shutdown);
