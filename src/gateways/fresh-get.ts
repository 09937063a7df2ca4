/**
 * A GET over a connection of its own, for targets that prove which configuration serves (HAProxy's
 * workers, Varnish's VCLs): a kept-alive connection could still lead to an old worker, and Varnish
 * needs many connections at once to wake its worker threads.
 */
import { get } from 'node:http';

/** The body of a 200 answer, or null on any other status or failure (never rejects). */
export function getFresh(url: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve(response.statusCode === 200 ? body : null));
      response.on('error', () => resolve(null));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(null));
  });
}
