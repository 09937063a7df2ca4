/**
 * The retry rules of the shared admin client, as a table: what is retried, for which kind of call;
 * and the connection a call that is never retried goes on, against a loopback server.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminClient, classifyError, classifyStatus, mayRetry, safeUrl, type CallFailure } from '../src/gateways/admin-client.js';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('classifying what an attempt threw', () => {
  it.each([
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout', true, 'timed out after 1500 ms'],
    [withCode('UND_ERR_HEADERS_TIMEOUT'), 'timeout', true, 'timed out after 1500 ms'],
    [withCode('UND_ERR_BODY_TIMEOUT'), 'timeout', true, 'timed out after 1500 ms'],
    [withCode('ECONNRESET', 'read ECONNRESET'), 'reset', true, 'connection reset'],
    [withCode('UND_ERR_SOCKET', 'other side closed'), 'reset', true, 'connection closed before an answer'],
    [withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 'refused', false, 'connection refused (nothing listens there)'],
    [withCode('UND_ERR_DESTROYED'), 'network', false, 'UND_ERR_DESTROYED'],
    [new Error('something\nelse'), 'network', false, 'something else'],
  ])('%s → %s', (error, kind, transient, description) => {
    expect(classifyError(error, 1500)).toEqual({ kind, transient, description });
  });

  it('treats only 502, 503 and 504 as a transient answer', () => {
    expect(classifyStatus(503)).toEqual({ kind: 'unavailable', transient: true, description: 'HTTP 503', status: 503 });
    expect(classifyStatus(502)?.kind).toBe('unavailable');
    expect(classifyStatus(504)?.kind).toBe('unavailable');
    for (const status of [200, 201, 400, 401, 404, 409, 429, 500]) expect(classifyStatus(status)).toBeNull();
  });
});

describe('what is retried', () => {
  const failure = (kind: CallFailure['kind'], status?: number): CallFailure => ({
    kind,
    transient: kind !== 'refused' && kind !== 'network',
    description: kind,
    ...(status === undefined ? {} : { status }),
  });
  it.each([
    // [failure, idempotent call (a read, a registration step), a deploy]
    [failure('timeout'), true, false],
    [failure('reset'), true, false],
    [failure('unavailable', 502), true, false],
    [failure('unavailable', 503), true, true],
    [failure('unavailable', 504), true, false],
    [failure('refused'), false, false],
    [failure('network'), false, false],
  ])('%o: idempotent %s, deploy %s', (f, idempotent, deploy) => {
    expect(mayRetry(f, true)).toBe(idempotent);
    expect(mayRetry(f, false)).toBe(deploy);
  });
});

describe('URLs in messages', () => {
  it('drop credentials, query and fragment', () => {
    expect(safeUrl('http://admin:s3cret@127.0.0.1:8080/manager/text/deploy?path=/x&token=abc#f')).toBe('http://127.0.0.1:8080/manager/text/deploy');
    expect(safeUrl('not a url')).toBe('(invalid URL)');
  });
});

describe('a deploy never rides a kept connection', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  /**
   * Answers the first request on each connection and drops the connection at the next one, unanswered:
   * what a kept connection meets when the gateway closes it as the request goes out (Caddy closes
   * every admin connection on each config load).
   */
  async function closesKeptConnections(): Promise<{ url: string; requests: string[] }> {
    const requests: string[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      let answered = false;
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', (data: Buffer) => {
        requests.push(data.toString('latin1').split('\r\n')[0] ?? '');
        if (answered) return void socket.destroy();
        answered = true;
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    );
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
  }

  it('sends a fresh deploy on a new connection, so a closing kept one cannot lose it; a read there is retried', async () => {
    const { url, requests } = await closesKeptConnections();
    const client = new AdminClient({ baseUrl: url, name: 'the test gateway', timeoutMs: 2_000, connections: 4 });
    stops.push(() => client.close());
    expect((await client.send({ method: 'GET', path: '/config/', idempotent: true })).status).toBe(200);
    const deploy = await client.send({ method: 'POST', path: '/load', body: '{}', idempotent: false, fresh: true });
    expect(deploy).toMatchObject({ status: 200, attempts: 1 });
    // A read on the kept connection is dropped, then retried on a new one.
    const read = await client.send({
      method: 'GET',
      path: '/config/',
      idempotent: true,
      retry: { attempts: 2, timeoutAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(read).toMatchObject({ status: 200, attempts: 2 });
    expect(requests).toEqual(['GET /config/ HTTP/1.1', 'POST /load HTTP/1.1', 'GET /config/ HTTP/1.1', 'GET /config/ HTTP/1.1']);
  });
});
