/**
 * Traffic goes to loopback only unless the user says otherwise: a load generator pointed at the
 * wrong host is an attack. Host names are resolved and every address must be loopback
 * (`isLoopbackHost` of src/loopback.ts, the one loopback check).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { usageError } from '../errors.js';
import { isLoopbackHost } from '../loopback.js';

/** The URL without user info, for messages and results. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^/@]*@/, '//');
  }
}

/**
 * Checks a traffic target: an http(s) URL without credentials whose host resolves only to loopback
 * addresses (any host when `allowRemote`).
 * @param flag the option that named the URL, for the error message (e.g. `--url`).
 * @throws GwscaleError (usage) naming the URL and what to do.
 */
export async function checkTrafficUrl(url: string, allowRemote: boolean, flag = '--url'): Promise<URL> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`${flag} ${redactUrl(url)}: not a URL`, 'give an absolute URL such as http://127.0.0.1:8080/services/quote');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usageError(`${flag} ${redactUrl(url)}: only http and https URLs can be driven`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw usageError(
      `${flag} ${redactUrl(url)}: credentials in a URL would show in process lists and logs`,
      'remove the user:password@ part; gwscale traffic sends no credentials',
    );
  }
  if (allowRemote) return parsed;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    throw usageError(`${flag} ${redactUrl(url)}: cannot resolve host ${host}`);
  }
  const remote = addresses.filter((a) => !isLoopbackHost(a));
  if (addresses.length === 0 || remote.length > 0) {
    throw usageError(
      `${flag} ${redactUrl(url)}: ${host} is not a loopback address${remote.length > 0 && remote[0] !== host ? ` (resolves to ${remote.join(', ')})` : ''}; traffic goes only to 127.0.0.1 or ::1`,
      'add --allow-remote to drive a remote host you are allowed to load',
    );
  }
  return parsed;
}
