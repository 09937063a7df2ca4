import { describe, expect, it } from 'vitest';
import { assertLoopbackUrl, isLoopbackHost } from '../src/loopback.js';

describe('loopback guard', () => {
  it.each(['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])('accepts %s', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['10.0.0.1', '192.168.1.1', '8.8.8.8', 'example.com', '::2', '128.0.0.1', '127.0.0.1.nip.io'])('refuses %s', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
  it('names the flag and the way out', () => {
    expect(() => assertLoopbackUrl('http://10.1.2.3:8080/x', false, '--url')).toThrow(/--url: http:\/\/10\.1\.2\.3:8080 is not on loopback/);
    expect(assertLoopbackUrl('http://10.1.2.3:8080/x', true, '--url').host).toBe('10.1.2.3:8080');
  });
});
