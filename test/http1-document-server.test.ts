/**
 * The document server behind the WSDL server, against real clients (undici's fetch, node:http with
 * a keep-alive agent, curl when installed) and raw sockets that send what real clients rarely do:
 * pipelined requests, a head split byte by byte, HTTP/1.0, bodies, oversized heads, garbage.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_HEAD_BYTES, startDocumentServer, type DocumentAnswer, type DocumentServer } from '../src/http1/document-server.js';

const servers: DocumentServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const WSDL = '<?xml version="1.0"?><definitions name="Quote">Grüße</definitions>';

const BIG = 'x'.repeat(64 * 1024);

async function serve(options: { idleMs?: number; headDeadlineMs?: number } = {}): Promise<{ url: string; port: number; paths: string[] }> {
  const paths: string[] = [];
  const documentAt = (path: string): DocumentAnswer => {
    paths.push(path);
    if (path === '/broken.wsdl') throw new Error('template failed\non two lines');
    if (path === '/big.wsdl') return { contentType: 'text/xml', body: BIG };
    return path === '/quote.wsdl' || path === '/a b.wsdl' ? { contentType: 'text/xml; charset=utf-8', body: WSDL } : { status: 404, reason: `no ${path}` };
  };
  const server = await startDocumentServer(documentAt, options);
  servers.push(server);
  return { url: server.url, port: Number(new URL(server.url).port), paths };
}

/** Sends `bytes` on a fresh connection (in pieces when given several) and collects what comes back until the server closes or `settleMs` passes quietly. */
async function exchange(port: number, pieces: readonly string[], settleMs = 300): Promise<{ text: string; closed: boolean }> {
  // No delay: pieces written apart reach the server as separate reads.
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let text = '';
  let closed = false;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  const done = new Promise<void>((resolve) => {
    let timer = setTimeout(resolve, settleMs);
    socket.on('data', () => {
      clearTimeout(timer);
      timer = setTimeout(resolve, settleMs);
    });
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve();
    });
  });
  for (const piece of pieces) {
    socket.write(piece, 'latin1');
    if (pieces.length > 1) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await done;
  socket.destroy();
  return { text, closed };
}

/** Status lines in order (answers follow their bodies directly, so not only at line starts). */
const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d{3} [^\r]*/g) ?? [];

describe('document server', () => {
  it('serves a document to fetch, with its UTF-8 length, and 404 for an unknown path', async () => {
    const { url } = await serve();
    const ok = await fetch(`${url}/quote.wsdl?x=1`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(Number(ok.headers.get('content-length'))).toBe(Buffer.byteLength(WSDL, 'utf8'));
    expect(ok.headers.get('date')).toMatch(/GMT$/);
    expect(await ok.text()).toBe(WSDL);
    const missing = await fetch(`${url}/other.wsdl`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('no /other.wsdl\n');
  });

  it('keeps one connection for many requests from a keep-alive agent, and decodes percent-encoded paths', async () => {
    const { url, paths } = await serve();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    try {
      for (let i = 0; i < 20; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          get(`${url}/${i % 2 === 0 ? 'quote.wsdl' : 'a%20b.wsdl'}`, { agent }, (res) => {
            sockets.add(res.socket);
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
        expect(body).toBe(WSDL);
      }
    } finally {
      agent.destroy();
    }
    expect(sockets.size).toBe(1);
    expect(paths.filter((p) => p === '/a b.wsdl')).toHaveLength(10);
  });

  it('answers pipelined requests in order, and a head split byte by byte', async () => {
    const { port } = await serve();
    const request = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;
    const pipelined = await exchange(port, [request('/quote.wsdl') + request('/none') + request('/quote.wsdl')]);
    expect(statusLines(pipelined.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found', 'HTTP/1.1 200 OK']);
    expect(pipelined.closed).toBe(false);
    const split = await exchange(port, [...request('/quote.wsdl')], 300);
    expect(statusLines(split.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(split.text.endsWith(Buffer.from(WSDL, 'utf8').toString('latin1'))).toBe(true);
  });

  it('answers HEAD with the length and no body; absolute-form targets are read', async () => {
    const { port } = await serve();
    const head = await exchange(port, [`HEAD /quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\nGET http://127.0.0.1:${port}/quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\n`]);
    expect(statusLines(head.text)).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(head.text.match(/content-length: (\d+)/g)).toEqual([`content-length: ${Buffer.byteLength(WSDL)}`, `content-length: ${Buffer.byteLength(WSDL)}`]);
    // The first answer has no body: the second status line follows its head at once.
    expect(head.text).toMatch(/\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  it('closes after an HTTP/1.0 request unless asked to keep the connection, and after Connection: close', async () => {
    const { port } = await serve();
    const plain = await exchange(port, ['GET /quote.wsdl HTTP/1.0\r\n\r\n']);
    expect(statusLines(plain.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(plain.text).toContain('connection: close');
    expect(plain.closed).toBe(true);
    const kept = await exchange(port, ['GET /quote.wsdl HTTP/1.0\r\nConnection: keep-alive\r\n\r\n']);
    expect(kept.text).toContain('connection: keep-alive');
    expect(kept.closed).toBe(false);
    const asked = await exchange(port, ['GET /quote.wsdl HTTP/1.1\r\nhost: x\r\nConnection: close\r\n\r\nGET /quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\n']);
    expect(statusLines(asked.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(asked.closed).toBe(true);
  });

  it('refuses what it does not serve with an error answer and a closed connection', async () => {
    const { port, paths } = await serve();
    const cases: [string, string][] = [
      ['POST /quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\n', 'HTTP/1.1 405 Method Not Allowed'],
      ['GET /quote.wsdl HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello', 'HTTP/1.1 400 Bad Request'],
      ['GET /quote.wsdl HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
      ['GET /%E0%A4%A HTTP/1.1\r\nhost: x\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
      ['\x16\x03\x01 hello\r\n\r\n', 'HTTP/1.1 400 Bad Request'],
      ['GET /broken.wsdl HTTP/1.1\r\nhost: x\r\n\r\n', 'HTTP/1.1 500 Internal Server Error'],
      [`GET /quote.wsdl HTTP/1.1\r\nx-long: ${'a'.repeat(MAX_REQUEST_HEAD_BYTES)}\r\n\r\n`, 'HTTP/1.1 431 Request Header Fields Too Large'],
    ];
    for (const [request, status] of cases) {
      const got = await exchange(port, [request + 'GET /quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\n']);
      expect(statusLines(got.text), JSON.stringify(request.slice(0, 40))).toEqual([status]);
      expect(got.closed).toBe(true);
    }
    expect(await exchange(port, ['PUT / HTTP/1.1\r\n\r\n']).then((r) => r.text)).toContain('allow: GET, HEAD');
    // A head that never ends is refused once it passes the limit, before any terminator arrives.
    const endless = await exchange(port, [`GET /quote.wsdl HTTP/1.1\r\nx-long: ${'a'.repeat(MAX_REQUEST_HEAD_BYTES + 10)}`]);
    expect(statusLines(endless.text)).toEqual(['HTTP/1.1 431 Request Header Fields Too Large']);
    expect(endless.closed).toBe(true);
    // A content-length of zero is no body.
    expect(statusLines((await exchange(port, ['GET /quote.wsdl HTTP/1.1\r\ncontent-length: 0\r\n\r\n'])).text)).toEqual(['HTTP/1.1 200 OK']);
    expect(await exchange(port, ['GET /broken.wsdl HTTP/1.1\r\n\r\n']).then((r) => r.text)).toMatch(
      /\r\n\r\ncannot make \/broken\.wsdl: template failed on two lines\n$/,
    );
    // Refused HEAD requests get the error's head (its length included) and no body.
    for (const request of [
      'HEAD /broken.wsdl HTTP/1.1\r\n\r\n',
      'HEAD /%E0%A4%A HTTP/1.1\r\n\r\n',
      'HEAD /quote.wsdl HTTP/1.1\r\ncontent-length: 2\r\n\r\nab',
      'HEAD / HTTP/2.0\r\n\r\n',
      `HEAD /quote.wsdl HTTP/1.1\r\nx-long: ${'a'.repeat(MAX_REQUEST_HEAD_BYTES)}\r\n\r\n`,
    ]) {
      const refused = await exchange(port, [request]);
      expect(refused.text, JSON.stringify(request)).toMatch(/^HTTP\/1\.1 (400|431|500) [^\r]*\r\n[^]*content-length: [1-9]\d*\r\n[^]*\r\n\r\n$/);
      expect(refused.closed).toBe(true);
    }
    expect(paths).toEqual(['/broken.wsdl', '/quote.wsdl', '/broken.wsdl', '/broken.wsdl']);
  });

  it('reads lowercase methods, empty lines before a request, raw UTF-8 targets, and tells how long it keeps a connection', async () => {
    const { port, paths } = await serve({ idleMs: 7_000 });
    const got = await exchange(port, ['get /quote.wsdl HTTP/1.1\r\n\r\n\r\n\r\nGET /quote.wsdl HTTP/1.1\r\n\r\nGET /Grüße.wsdl HTTP/1.1\r\n\r\n']);
    expect(statusLines(got.text)).toEqual(['HTTP/1.1 405 Method Not Allowed']);
    const lenient = await exchange(port, ['\r\nGET /quote.wsdl HTTP/1.1\r\n\r\n']);
    expect(statusLines(lenient.text)).toEqual(['HTTP/1.1 200 OK']);
    expect(lenient.text).toContain('keep-alive: timeout=7\r\n');
    const raw = Buffer.from('GET /Grüße.wsdl HTTP/1.1\r\n\r\n', 'utf8').toString('latin1');
    await exchange(port, [raw, 'GET /Gr%C3%BC%C3%9Fe.wsdl HTTP/1.1\r\n\r\n']);
    expect(paths.slice(-2)).toEqual(['/Grüße.wsdl', '/Grüße.wsdl']);
  });

  it('stops reading from a client that pipelines without reading, and answers everything once it reads', async () => {
    const { port, paths } = await serve();
    const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise((resolve) => socket.once('connect', resolve));
    const requests = 2_000;
    socket.write('GET /big.wsdl HTTP/1.1\r\n\r\n'.repeat(requests));
    socket.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // 2,000 × 64 KiB would be 128 MiB held for a client that reads nothing; kernel buffers hold a few MiB.
    expect(paths.length).toBeLessThan(requests / 4);
    let bytes = 0;
    const whole = requests * (Buffer.byteLength(BIG) + 100);
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= whole - requests * 100) resolve();
      });
      socket.resume();
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    socket.destroy();
    expect(paths.length).toBe(requests);
  });

  it('closes a connection whose head is not whole within the deadline, however slowly bytes trickle in', async () => {
    const { port } = await serve({ headDeadlineMs: 300 });
    const pieces = [...'GET /quote.wsdl HTTP/1.1\r\nx-slow: '].concat(Array.from({ length: 40 }, () => 'a'));
    const started = performance.now();
    const got = await exchange(port, pieces, 3_000);
    expect(statusLines(got.text)).toEqual(['HTTP/1.1 408 Request Timeout']);
    expect(got.closed).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_800);
  });

  it('closes idle connections after idleMs, and close() ends open ones', async () => {
    const { port } = await serve({ idleMs: 200 });
    const idle = await exchange(port, ['GET /quote.wsdl HTTP/1.1\r\nhost: x\r\n\r\n'], 2_000);
    expect(idle.closed).toBe(true);
    const other = await serve();
    const socket = connect({ host: '127.0.0.1', port: other.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await servers.pop()?.close();
    await closed;
  });

  const hasCurl = spawnSync('curl', ['--version'], { encoding: 'utf8' }).error === undefined;
  it.skipIf(!hasCurl)('serves curl over one connection for two URLs', async () => {
    const { url } = await serve();
    // Not spawnSync: the server answers on this process's event loop.
    const run = await promisify(execFile)('curl', ['-sS', '-v', `${url}/quote.wsdl`, `${url}/quote.wsdl`], { encoding: 'utf8', timeout: 10_000 });
    expect(run.stdout).toBe(WSDL + WSDL);
    expect(run.stderr).toMatch(/Re-using existing connection|Reusing existing connection/i);
  });

  // Clients the project did not write, of the kinds gateways are built on: CPython's http.client and Java's HttpURLConnection.
  const hasPython = spawnSync('python3', ['-c', 'import http.client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasPython)("serves Python's http.client: GET, HEAD and a 404 on one kept connection", async () => {
    const { port } = await serve();
    const script = [
      'import http.client, json',
      `c = http.client.HTTPConnection("127.0.0.1", ${port}, timeout=10)`,
      'out = []',
      'for method, path in (("GET", "/quote.wsdl"), ("HEAD", "/quote.wsdl"), ("GET", "/none"), ("GET", "/a%20b.wsdl")):',
      '    c.request(method, path)',
      '    r = c.getresponse()',
      '    body = r.read().decode("utf-8")',
      '    out.append(f"{r.status} {r.getheader(\'content-length\')} {json.dumps(body, ensure_ascii=False)} {c.sock is not None}")',
      'print("\\n".join(out))',
    ].join('\n');
    const run = await promisify(execFile)('python3', ['-c', script], { encoding: 'utf8', timeout: 20_000 });
    const length = Buffer.byteLength(WSDL);
    expect(run.stdout.trim().split('\n')).toEqual([
      `200 ${length} ${JSON.stringify(WSDL)} True`,
      `200 ${length} "" True`,
      `404 9 ${JSON.stringify('no /none\n')} True`,
      `200 ${length} ${JSON.stringify(WSDL)} True`,
    ]);
  });

  const hasJava = spawnSync('java', ['-version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasJava)("serves Java's HttpURLConnection (what Java gateways fetch WSDLs with)", async () => {
    const { url } = await serve();
    const dir = mkdtempSync(join(tmpdir(), 'gwscale-java-'));
    try {
      const source = join(dir, 'Fetch.java');
      writeFileSync(
        source,
        [
          'import java.net.*; import java.io.*; import java.nio.charset.StandardCharsets;',
          'public class Fetch { public static void main(String[] a) throws Exception {',
          '  for (String u : a) { HttpURLConnection c = (HttpURLConnection) new URL(u).openConnection();',
          '    int status = c.getResponseCode(); InputStream in = status < 400 ? c.getInputStream() : c.getErrorStream();',
          '    String body = new String(in.readAllBytes(), StandardCharsets.UTF_8); in.close();',
          '    System.out.println(status + " " + c.getContentLength() + " " + body.replace("\\n", "|")); } } }',
        ].join('\n'),
      );
      const run = await promisify(execFile)('java', [source, `${url}/quote.wsdl`, `${url}/none`, `${url}/quote.wsdl`], { encoding: 'utf8', timeout: 60_000 });
      const length = Buffer.byteLength(WSDL);
      expect(run.stdout.trim().split('\n')).toEqual([`200 ${length} ${WSDL}`, '404 9 no /none|', `200 ${length} ${WSDL}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
