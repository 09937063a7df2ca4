/**
 * A fault-injecting HTTP proxy for tests: a real node:http server on 127.0.0.1 (port 0) in the test
 * process, in front of a gateway's deployment API, with switchable faults — connection resets
 * before the request is forwarded or instead of the answer, delays, bursts of 503 (or any status
 * the proxy answers itself), and calls that hang. It records every call it saw, so a test can
 * count attempts. `close()` destroys every connection, hanging ones included.
 */
import { createServer, request as httpRequest, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  /** RST while the request arrives: it never reaches the gateway. */
  | { readonly kind: 'reset-before' }
  /** Forwarded and answered by the gateway, then RST instead of the answer: it took effect, the answer is lost. */
  | { readonly kind: 'reset-after' }
  /** The proxy answers this status itself and forwards nothing (a 503 burst: `times: 3`). */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterS?: number }
  /** Forwarded after a pause. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never forwarded, never answered: the caller's timeout must end it. */
  | { readonly kind: 'hang' };

export interface FaultRule {
  readonly method?: string;
  /** Tested against the path with its query. */
  readonly path?: RegExp;
  readonly fault: Fault;
  /** Matching requests let through untouched before the rule starts (default 0). */
  readonly skip?: number;
  /** Matching requests it applies to at most (default: all). */
  readonly times?: number;
  /**
   * Only the first time each distinct request (method, path, body) is seen: every call gets the
   * fault once and its retry goes through, so no call can be unlucky twice.
   */
  readonly firstSightOnly?: boolean;
}

/** One request the proxy received. */
export interface ProxiedCall {
  readonly method: string;
  readonly path: string;
  /** The fault applied to it, or null when it was forwarded untouched. */
  readonly fault: Fault['kind'] | null;
}

export interface FaultProxy {
  readonly url: string;
  /** Sends everything on to `target` from now on and returns the proxy's URL (an `adminUrlVia`). */
  readonly via: (target: string) => Promise<string>;
  /** Replaces the fault rules; the first matching rule applies. */
  readonly setFaults: (rules: readonly FaultRule[]) => void;
  /** Every call received so far. */
  readonly calls: () => readonly ProxiedCall[];
  /** Calls received with this method whose path matches. */
  readonly count: (method: string, path: RegExp) => number;
  readonly close: () => Promise<void>;
}

/** Headers that belong to one connection, not to the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'upgrade', 'te', 'trailer']);

interface ActiveRule {
  readonly rule: FaultRule;
  matched: number;
  applied: number;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function copyHeaders(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  return out;
}

/** Starts the proxy on 127.0.0.1 with no target yet (see `via`). */
export async function startFaultProxy(): Promise<FaultProxy> {
  let target: URL | null = null;
  let rules: ActiveRule[] = [];
  const seen = new Set<string>();
  const log: ProxiedCall[] = [];
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 32 });

  /** The rule to apply to this request, counting it against the rule's skip and times. */
  const pick = (method: string, path: string, key: string | null): Fault | null => {
    for (const active of rules) {
      const { rule } = active;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (rule.path !== undefined && !rule.path.test(path)) continue;
      if (rule.firstSightOnly === true && (key === null || seen.has(key))) continue;
      active.matched++;
      if (active.matched <= (rule.skip ?? 0)) continue;
      if (active.applied >= (rule.times ?? Number.POSITIVE_INFINITY)) continue;
      active.applied++;
      return rule.fault;
    }
    return null;
  };

  const forward = (req: IncomingMessage, path: string, body: Buffer): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> =>
    new Promise((resolve, reject) => {
      if (target === null) {
        reject(new Error('the fault proxy has no target: call via() first'));
        return;
      }
      const headers = copyHeaders(req.headers);
      headers['host'] = target.host;
      headers['content-length'] = String(body.length);
      const upstream = httpRequest({ host: target.hostname, port: target.port, path, method: req.method, headers, agent: upstreamAgent }, (answer) => {
        readBody(answer).then((data) => resolve({ status: answer.statusCode ?? 502, headers: copyHeaders(answer.headers), body: data }), reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    // A reset that needs no body happens while the request is still arriving.
    const needsBody = rules.some((r) => r.rule.firstSightOnly === true);
    const body = needsBody ? await readBody(req) : null;
    const key = body === null ? null : `${method} ${path} ${body.toString('latin1')}`;
    const fault = pick(method, path, key);
    if (key !== null) seen.add(key);
    log.push({ method, path, fault: fault?.kind ?? null });
    if (fault?.kind === 'reset-before') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'hang') {
      req.resume();
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'text/plain', ...(fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) }) });
      res.end(`fault proxy: HTTP ${fault.status}\n`);
      return;
    }
    const payload = body ?? (await readBody(req));
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    let answer: Awaited<ReturnType<typeof forward>>;
    try {
      answer = await forward(req, path, payload);
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`fault proxy: upstream failed: ${error instanceof Error ? error.message : String(error)}\n`);
      return;
    }
    if (fault?.kind === 'reset-after') {
      req.socket.resetAndDestroy();
      return;
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    via: (next) => {
      target = new URL(next);
      return Promise.resolve(url);
    },
    setFaults: (next) => {
      rules = next.map((rule) => ({ rule, matched: 0, applied: 0 }));
      seen.clear();
    },
    calls: () => [...log],
    count: (method, path) => log.filter((c) => c.method === method && path.test(c.path)).length,
    close: () =>
      new Promise<void>((resolve) => {
        upstreamAgent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
