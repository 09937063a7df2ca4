/** The retry rules of the shared admin client, as a table: what is retried, for which kind of call. */
import { describe, expect, it } from 'vitest';
import { classifyError, classifyStatus, mayRetry, safeUrl, type CallFailure } from '../src/gateways/admin-client.js';

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
