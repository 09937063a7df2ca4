/**
 * gwscale only talks to this machine unless told otherwise: every target, backend and traffic URL
 * goes through here.
 */
import { isIP } from 'node:net';
import { usageError } from './errors.js';

/** True for 127.0.0.0/8, ::1 (also as an IPv4-mapped address) and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * Throws a usage error for a URL that is not on loopback, unless `allowRemote`.
 * @param what the flag or field the URL came from, for the message (e.g. `--url`).
 */
export function assertLoopbackUrl(url: string, allowRemote: boolean, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`${what}: ${JSON.stringify(url)} is not a URL`);
  }
  if (!allowRemote && !isLoopbackHost(parsed.hostname)) {
    throw usageError(
      `${what}: ${parsed.protocol}//${parsed.host} is not on loopback (127.0.0.1, ::1)`,
      'gwscale refuses other addresses unless you pass --allow-remote',
    );
  }
  return parsed;
}
