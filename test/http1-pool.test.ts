/**
 * The raw keep-alive HTTP/1.1 client behind every deployment-API call, against real loopback
 * servers: Node's own HTTP server (keep-alive, chunked, close, HEAD, interim answers) and raw TCP
 * servers that misbehave on purpose (reset, hang, garbage, a close mid-body).
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Http1Pool, type Http1Answer } from '../src/http1/keep-alive-pool.js';
import { headerFields, ResponseParser } from '../src/http1/response-parser.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  keepAliveTimeoutMs = 5_000,
): Promise<{ url: string; sockets: () => number }> {
  let sockets = 0;
  const server: Server = createServer({ keepAliveTimeout: keepAliveTimeoutMs }, handler);
  server.on('connection', () => sockets++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets: () => sockets };
}

async function tcpServer(onData: (socket: Socket, data: Buffer) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (data: Buffer) => onData(socket, data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function pool(url: string, connections = 4, idleMs?: number): Http1Pool {
  const p = new Http1Pool(url, { connections, ...(idleMs === undefined ? {} : { idleMs }) });
  closers.push(() => p.destroy());
  return p;
}

const echo = (req: IncomingMessage, res: ServerResponse): void => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(200, { 'content-type': 'application/json', 'x-twice': ['a', 'b'] }).end(body);
  });
};

const get = (p: Http1Pool, path: string, timeoutMs = 5_000): Promise<Http1Answer> => p.request({ method: 'GET', path, headers: {}, timeoutMs });

describe('Http1Pool against Node’s HTTP server', () => {
  it('sends method, path, headers and a UTF-8 body, and reads status, headers and body', async () => {
    const { url } = await httpServer(echo);
    const answer = await pool(url).request({
      method: 'POST',
      path: '/api/groups?x=1',
      headers: { 'content-type': 'application/json', authorization: 'Basic eDp5' },
      body: '{"name":"grüße"}',
      timeoutMs: 5_000,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-twice']).toBe('a, b');
    const seen = JSON.parse(answer.text) as { method: string; url: string; headers: Record<string, string>; body: string };
    expect(seen).toMatchObject({ method: 'POST', url: '/api/groups?x=1', body: '{"name":"grüße"}' });
    expect(seen.headers).toMatchObject({
      authorization: 'Basic eDp5',
      'content-length': String(Buffer.byteLength('{"name":"grüße"}')),
      host: new URL(url).host,
    });
  });

  it('sends a Latin-1 header value as Latin-1 and the body as UTF-8, and reuses a frozen header object safely', async () => {
    const { url } = await httpServer(echo);
    const p = pool(url);
    const latin = await p.request({ method: 'POST', path: '/l', headers: { 'x-name': 'café' }, body: 'grüße ☃', timeoutMs: 5_000 });
    const seen = JSON.parse(latin.text) as { headers: Record<string, string>; body: string };
    expect(Buffer.from(seen.headers['x-name'] ?? '', 'latin1').toString('latin1')).toBe('café');
    expect(seen.body).toBe('grüße ☃');
    const frozen = Object.freeze({ 'content-type': 'application/json' });
    for (const body of ['{"a":1}', '{"b":"ü"}', '{}']) {
      const answer = JSON.parse((await p.request({ method: 'POST', path: '/f', headers: frozen, body, timeoutMs: 5_000 })).text) as {
        headers: Record<string, string>;
        body: string;
      };
      expect(answer.body).toBe(body);
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    }
  });

  it('keeps connections alive: 200 sequential calls use one socket, 64 concurrent calls at most 4', async () => {
    const server = await httpServer(echo);
    const p = pool(server.url, 4);
    for (let i = 0; i < 200; i++) expect((await get(p, `/seq/${i}`)).status).toBe(200);
    expect(server.sockets()).toBe(1);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => get(p, `/par/${i}`)));
    expect(answers.map((a) => (JSON.parse(a.text) as { url: string }).url)).toEqual(Array.from({ length: 64 }, (_, i) => `/par/${i}`));
    expect(server.sockets()).toBeLessThanOrEqual(4);
  });

  it('reads chunked answers, Connection: close answers, HEAD answers and empty 204s', async () => {
    const server = await httpServer((req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('a'.repeat(70_000));
        setTimeout(() => res.end('tail'), 20);
      } else if (req.url === '/close') res.writeHead(200, { connection: 'close' }).end('bye');
      else if (req.url === '/empty') res.writeHead(204).end();
      else res.writeHead(200, { 'content-length': '5' }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const p = pool(server.url, 1);
    const chunked = await get(p, '/chunked');
    expect(chunked.headers['transfer-encoding']).toBe('chunked');
    expect(chunked.text).toBe('a'.repeat(70_000) + 'tail');
    expect((await get(p, '/close')).text).toBe('bye');
    expect((await get(p, '/after-close')).text).toBe('hello');
    expect(server.sockets()).toBe(2);
    expect(await p.request({ method: 'HEAD', path: '/head', headers: {}, timeoutMs: 5_000 })).toMatchObject({ status: 200, text: '' });
    expect(await get(p, '/empty')).toMatchObject({ status: 204, text: '' });
    expect((await get(p, '/again')).text).toBe('hello');
  });

  it('sends a fresh call on a connection of its own, with Connection: close, closing the longest-idle one when the pool is full', async () => {
    const server = await httpServer(echo);
    const p = pool(server.url, 1);
    expect((await get(p, '/kept')).status).toBe(200);
    expect(server.sockets()).toBe(1);
    const fresh = await p.request({ method: 'POST', path: '/deploy', headers: {}, body: 'x', timeoutMs: 5_000, fresh: true });
    expect((JSON.parse(fresh.text) as { headers: Record<string, string> }).headers.connection).toBe('close');
    expect(server.sockets()).toBe(2);
    // The fresh connection was not kept: the next call opens a third (the pool holds one at most).
    expect((await get(p, '/after')).status).toBe(200);
    expect(server.sockets()).toBe(3);
    expect((await get(p, '/again')).status).toBe(200);
    expect(server.sockets()).toBe(3);
    // A fresh call that cannot be encoded is refused before anything is sent, and the pool goes on.
    await expect(p.request({ method: 'POST', path: '/bad path', headers: {}, timeoutMs: 5_000, fresh: true })).rejects.toMatchObject({
      code: 'ERR_HTTP1_INVALID',
    });
    expect((await get(p, '/after-bad')).status).toBe(200);
  });

  it('queues a fresh call behind a full, busy pool and sends it, in order, once a connection is free', async () => {
    const order: string[] = [];
    const server = await httpServer((req, res) => {
      order.push(`${req.method} ${req.url} ${req.headers.connection ?? '-'}`);
      setTimeout(() => res.writeHead(200, { 'content-length': '2' }).end('ok'), req.url === '/slow' ? 100 : 0);
    });
    const p = pool(server.url, 1);
    const calls = [
      get(p, '/slow'),
      p.request({ method: 'POST', path: '/deploy-1', headers: {}, body: 'x', timeoutMs: 5_000, fresh: true }),
      get(p, '/read'),
      p.request({ method: 'POST', path: '/deploy-2', headers: {}, body: 'x', timeoutMs: 5_000, fresh: true }),
    ];
    expect((await Promise.all(calls)).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(order).toEqual(['GET /slow -', 'POST /deploy-1 close', 'GET /read -', 'POST /deploy-2 close']);
    // One socket for the slow call, one per deploy, and one for the read after the first deploy.
    expect(server.sockets()).toBe(4);
  });

  it('skips an interim 100 answer', async () => {
    const url = await tcpServer((socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok'));
    expect(await get(pool(url), '/')).toMatchObject({ status: 201, text: 'ok' });
  });

  it('does not reuse a connection idle longer than the server keeps it, nor past a Keep-Alive hint', async () => {
    const server = await httpServer((_req, res) => res.writeHead(200, { 'keep-alive': 'timeout=1' }).end('x'), 1_000);
    const p = pool(server.url, 1, 4_000);
    await get(p, '/one');
    // The hint (1 s) shortens the idle limit to 0 ms: the next call opens a new connection.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await get(p, '/two');
    expect(server.sockets()).toBe(2);
  });

  it('refuses a header or path it cannot send as it is, instead of sending it', async () => {
    const { url } = await httpServer(echo);
    const p = pool(url);
    const refused = (path: string, headers: Record<string, string>): Promise<unknown> => p.request({ method: 'GET', path, headers, timeoutMs: 1_000 });
    await expect(refused('/x', { 'x-a': 'b\r\nx-injected: 1' })).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    await expect(refused('/x', { 'x a': 'b' })).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    await expect(refused('/x', { 'x-a': 'snowman ☃' })).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    await expect(refused('/x HTTP/1.1\r\nx: y', {})).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    await expect(refused('/grüße', {})).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    await expect(refused('relative', {})).rejects.toMatchObject({ code: 'ERR_HTTP1_INVALID' });
    expect((await get(p, '/fine')).status).toBe(200);
  });

  it('keeps the connection after a 204 or a HEAD answer that has no Content-Length', async () => {
    const server = await httpServer((req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/plain' }).end(req.method === 'HEAD' ? undefined : 'body');
    });
    const p = pool(server.url, 1);
    for (let i = 0; i < 3; i++) {
      expect((await get(p, '/204')).status).toBe(204);
      expect(await p.request({ method: 'HEAD', path: '/h', headers: {}, timeoutMs: 5_000 })).toMatchObject({ status: 200, text: '' });
    }
    expect((await get(p, '/h')).text).toBe('body');
    expect(server.sockets()).toBe(1);
  });

  it('does not keep the process alive with idle connections', async () => {
    const { url } = await httpServer(echo, 60_000);
    // A process that makes one call and never closes its pool: it must still exit on its own.
    const script = `import { Http1Pool } from ${JSON.stringify(new URL('../dist/http1/keep-alive-pool.js', import.meta.url).href)};
      const p = new Http1Pool(${JSON.stringify(url)}, { connections: 2 });
      const a = await p.request({ method: 'GET', path: '/', headers: {}, timeoutMs: 5000 });
      process.stdout.write(String(a.status));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(out).toBe('200');
      expect(code).toBe(0);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    }
  });
});

describe('Http1Pool against servers that fail', () => {
  it('rejects with ECONNREFUSED when nothing listens', async () => {
    const url = await tcpServer(() => undefined);
    closers.splice(0).forEach((c) => void c());
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(get(pool(url), '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects with a reset or a close-before-answer code when the server drops the connection', async () => {
    const url = await tcpServer((socket) => socket.resetAndDestroy());
    await expect(get(pool(url), '/')).rejects.toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE|ERR_HTTP1_CLOSED)$/) as unknown });
    const half = await tcpServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    await expect(get(pool(half), '/')).rejects.toMatchObject({ code: 'ERR_HTTP1_CLOSED' });
  });

  it('times out a call that gets no answer, closes its connection, and serves the next call', async () => {
    let calls = 0;
    const url = await tcpServer((socket) => {
      if (++calls > 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
    const p = pool(url, 1);
    const t0 = performance.now();
    await expect(get(p, '/hang', 300)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect((await get(p, '/next')).text).toBe('ok');
  });

  it('times out queued calls too once they are sent, when every call in flight timed out at once', async () => {
    const url = await tcpServer(() => undefined);
    const p = pool(url, 2);
    const calls = Array.from({ length: 6 }, (_, i) =>
      get(p, `/hang/${i}`, 150).then(
        () => 'answered',
        (e: { code?: string }) => e.code,
      ),
    );
    expect(await Promise.all(calls)).toEqual(Array(6).fill('ETIMEDOUT'));
  });

  it('counts the timeout from the last byte: a slow but steady body is not cut off', async () => {
    const url = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n');
      let sent = 0;
      const timer = setInterval(() => {
        socket.write('x');
        if (++sent === 5) clearInterval(timer);
      }, 80);
    });
    expect((await get(pool(url), '/', 200)).text).toBe('xxxxx');
  });

  it('rejects an answer that is not HTTP/1.x, and one larger than the limit', async () => {
    const garbage = await tcpServer((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(get(pool(garbage), '/')).rejects.toMatchObject({ code: 'HPE_MALFORMED' });
    const big = await tcpServer((socket) => socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n${'y'.repeat(100_000)}`));
    const small = new Http1Pool(big, { connections: 1, maxAnswerBytes: 1_000 });
    closers.push(() => small.destroy());
    await expect(get(small, '/')).rejects.toMatchObject({ code: 'HPE_MALFORMED' });
    // An answer over the limit that arrives whole in one read is refused too, not cut short.
    const whole = await tcpServer((socket) => socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 5000\r\n\r\n${'z'.repeat(5_000)}`));
    const tiny = new Http1Pool(whole, { connections: 1, maxAnswerBytes: 1_000 });
    closers.push(() => tiny.destroy());
    await expect(get(tiny, '/')).rejects.toMatchObject({ code: 'HPE_MALFORMED' });
  });

  it('rejects calls in flight and queued when destroyed, and every call after', async () => {
    const url = await tcpServer(() => undefined);
    const p = new Http1Pool(url, { connections: 1 });
    const inFlight = get(p, '/a');
    const queued = get(p, '/b');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await p.destroy();
    await expect(inFlight).rejects.toMatchObject({ code: 'ERR_HTTP1_DESTROYED' });
    await expect(queued).rejects.toMatchObject({ code: 'ERR_HTTP1_DESTROYED' });
    await expect(get(p, '/c')).rejects.toMatchObject({ code: 'ERR_HTTP1_DESTROYED' });
  });

  it('drops a connection that sends bytes nobody asked for, and the next call still succeeds', async () => {
    const url = await tcpServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nokEXTRA');
    });
    const p = pool(url, 1);
    expect((await get(p, '/1')).text).toBe('ok');
    expect((await get(p, '/2')).text).toBe('ok');
  });
});

describe('ResponseParser', () => {
  const feed = (parser: ResponseParser, text: string, step: number): string[] => {
    const states: string[] = [];
    const bytes = Buffer.from(text, 'latin1');
    for (let i = 0; i < bytes.length; i += step) states.push(parser.push(bytes.subarray(i, i + step)));
    return states;
  };

  it('frames a chunked answer with trailers fed one byte at a time', () => {
    const parser = new ResponseParser();
    let body = '';
    parser.onBody = (d) => (body += d.toString('latin1'));
    parser.begin();
    const states = feed(parser, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: 1\r\n\r\n', 1);
    expect(states.at(-1)).toBe('done');
    expect(states.filter((s) => s === 'done')).toHaveLength(1);
    expect(body).toBe('hello world');
    expect(parser.status).toBe(200);
    expect(parser.closeAfter).toBe(false);
  });

  it('frames an answer without length by the end of the connection', () => {
    const parser = new ResponseParser();
    let body = '';
    parser.onBody = (d) => (body += d.toString('latin1'));
    parser.begin();
    expect(feed(parser, 'HTTP/1.0 200 OK\r\n\r\npartial', 4).every((s) => s === 'more')).toBe(true);
    expect(parser.end()).toBe('done');
    expect(parser.closeAfter).toBe(true);
    expect(body).toBe('partial');
  });

  it('rejects a bad chunk size and a head that is not HTTP', () => {
    const parser = new ResponseParser();
    parser.begin();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n'))).toBe('malformed');
    parser.begin();
    expect(parser.push(Buffer.from('HELLO\r\n\r\n'))).toBe('malformed');
  });

  it('reads a head equal to the last one from its cache, and a changed head of the same length afresh, through one reused read buffer', () => {
    const parser = new ResponseParser();
    let body = '';
    parser.onBody = (d) => (body += d.toString('latin1'));
    // One buffer overwritten by every read, as the socket sender's `onread` does.
    const shared = Buffer.alloc(256);
    const read = (text: string): string => {
      const length = shared.write(text, 'latin1');
      return parser.push(shared.subarray(0, length));
    };
    const answers = [
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello', 200, 'length', false, 'hello'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nworld', 200, 'length', false, 'world'],
      ['HTTP/1.1 500 OK\r\nContent-Length: 4\r\n\r\nfail', 500, 'length', false, 'fail'],
      ['HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsix by', 200, 'length', false, 'six by'],
      ['HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n', 200, 'close', true, ''],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain', 200, 'length', false, 'again'],
    ] as const;
    for (const [text, status, framing, closeAfter, expected] of answers) {
      body = '';
      parser.begin();
      const state = read(text);
      if (framing === 'close') expect(parser.end()).toBe('done');
      else expect(state).toBe('done');
      expect([parser.status, parser.framing, parser.closeAfter, body]).toEqual([status, framing, closeAfter, expected]);
      expect(parser.head).toBe(text.slice(0, text.indexOf('\r\n\r\n')));
    }
    // A HEAD answer with the cached head: no body, whatever Content-Length says.
    parser.begin(true);
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n')).toBe('done');
    // The answer after it with the same head reads its body again.
    body = '';
    parser.begin();
    expect(read('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnext!')).toBe('done');
    expect(body).toBe('next!');
  });

  it('reads only chunk[start, end) of a shared buffer, and frames a repeated answer without slicing it', () => {
    const parser = new ResponseParser();
    let body = '';
    parser.onBody = (d) => (body += d.toString('latin1'));
    // Stale bytes around every range: a blank line and a body that a read past `end` would find.
    const shared = Buffer.alloc(256, 'Z');
    shared.write('\r\n\r\nstale', 200, 'latin1');
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello';
    // The first read learns the head; the second, at another offset, is read from the cached head.
    for (const offset of [7, 3]) {
      body = '';
      parser.begin();
      const length = shared.write(answer, offset, 'latin1');
      expect(parser.push(shared, offset, offset + length)).toBe('done');
      expect([parser.status, body, parser.rest]).toEqual([200, 'hello', null]);
    }
    // A head cut before its blank line, with a blank line lying in the buffer past `end`: more, not done.
    body = '';
    parser.begin();
    shared.write(answer, 0, 'latin1');
    expect(parser.push(shared, 0, answer.indexOf('\r\n\r\n'))).toBe('more');
    expect(parser.push(Buffer.from('\r\n\r\nhello'))).toBe('done');
    expect(body).toBe('hello');
    // A body cut short goes on in the next range; bytes after the answer are its leftovers.
    body = '';
    parser.begin();
    shared.write(`${answer}EXTRA`, 0, 'latin1');
    expect(parser.push(shared, 0, answer.length - 2)).toBe('more');
    expect(parser.push(shared, answer.length - 2, answer.length + 5)).toBe('done');
    expect([body, parser.rest?.toString('latin1')]).toEqual(['hello', 'EXTRA']);
    // An interim answer and a chunked one, at an offset, with stale bytes past the range, cut at every byte.
    const chunked = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n';
    for (let cut = 1; cut < chunked.length; cut++) {
      body = '';
      parser.begin();
      shared.fill('Z');
      shared.write('\r\n\r\n0\r\n\r\n', 200, 'latin1');
      shared.write(chunked, 9, 'latin1');
      const first = parser.push(shared, 9, 9 + cut);
      expect(first, `cut at ${cut}`).toBe('more');
      expect(parser.push(shared, 9 + cut, 9 + chunked.length), `cut at ${cut}`).toBe('done');
      expect([parser.status, body, parser.rest]).toEqual([200, 'hello', null]);
    }
    // Without a body sink, an answer with the cached head is framed without creating a single Buffer view.
    const cached = new ResponseParser();
    cached.begin();
    expect(cached.push(Buffer.from(answer, 'latin1'))).toBe('done');
    const slices = vi.spyOn(Buffer.prototype, 'subarray');
    try {
      cached.begin();
      shared.write(answer, 5, 'latin1');
      expect(cached.push(shared, 5, 5 + answer.length)).toBe('done');
      expect([cached.status, cached.rest]).toEqual([200, null]);
      expect(slices).not.toHaveBeenCalled();
    } finally {
      slices.mockRestore();
    }
  });

  it('reads a head that differs from the last one in any single byte afresh, at every alignment of the read', () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Tag: abc\r\n\r\nhello';
    const headLength = answer.indexOf('\r\n\r\n');
    expect(headLength % 4).not.toBe(0); // bytes past the last whole 32-bit word are compared too
    const parser = new ResponseParser();
    // An aligned buffer, and one whose bytes start 1 past a 4-byte boundary of its memory.
    for (const shared of [Buffer.alloc(256), Buffer.from(new ArrayBuffer(260), 1, 256)]) {
      for (let offset = 0; offset < 8; offset++) {
        const read = (text: string): string => {
          parser.begin();
          const length = shared.write(text, offset, 'latin1');
          return parser.push(shared, offset, offset + length);
        };
        expect(read(answer)).toBe('done');
        // Read from the cache: the head is not decoded again, and an aligned read does not call Buffer.compare.
        const decodes = vi.spyOn(Buffer.prototype, 'toString');
        const compares = vi.spyOn(Buffer.prototype, 'compare');
        try {
          expect(read(answer)).toBe('done');
          expect(decodes).not.toHaveBeenCalled();
          expect(compares).toHaveBeenCalledTimes((shared.byteOffset + offset) % 4 === 0 ? 0 : 1);
        } finally {
          decodes.mockRestore();
          compares.mockRestore();
        }
        expect(parser.head).toBe(answer.slice(0, headLength));
        for (let at = 0; at < headLength; at++) {
          const changed = answer.slice(0, at) + (answer[at] === 'x' ? 'y' : 'x') + answer.slice(at + 1);
          const state = read(changed);
          const where = `byte ${at} at offset ${offset} (byteOffset ${shared.byteOffset})`;
          // Either not HTTP any more, or read as the changed head: never the cached one.
          if (state !== 'malformed') expect(parser.head, where).toBe(changed.slice(0, changed.indexOf('\r\n\r\n')));
          expect(read(answer), where).toBe('done');
          expect([parser.status, parser.framing], where).toEqual([200, 'length']);
        }
      }
    }
    // Two read buffers in turn, each holding the other's head at the same offset: the word view follows the buffer.
    const [one, two] = [Buffer.alloc(128), Buffer.alloc(128)];
    const other = answer.replace('abc', 'abd');
    one.write(answer, 0, 'latin1');
    two.write(other, 0, 'latin1');
    for (const [buffer, text] of [
      [one, answer],
      [two, other],
      [one, answer],
      [two, other],
    ] as const) {
      parser.begin();
      expect(parser.push(buffer, 0, text.length)).toBe('done');
      expect(parser.head).toBe(text.slice(0, headLength));
    }
  });

  it('reads header fields case-insensitively and joins repeated ones', () => {
    expect(headerFields('HTTP/1.1 200 OK\r\nRetry-After: 3\r\nSet-Cookie: a\r\nset-cookie: b\r\nbad line')).toEqual({
      'retry-after': '3',
      'set-cookie': 'a, b',
    });
  });
});
