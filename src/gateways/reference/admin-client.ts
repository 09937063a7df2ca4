/**
 * JSON calls to the reference gateway's deployment API: basic auth, a timeout on every call, and
 * one-line gateway errors that name the URL and never the password.
 */
import { Agent, request } from 'undici';
import { gatewayError } from '../../errors.js';

export interface AdminAnswer<T> {
  readonly status: number;
  readonly body: T;
}

export class ReferenceAdminClient {
  readonly adminUrl: string;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });

  constructor(adminUrl: string, credentials: { readonly user: string; readonly password: string }, timeoutMs: number) {
    this.adminUrl = adminUrl;
    this.authorization = `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
    this.timeoutMs = timeoutMs;
  }

  /**
   * One call; any HTTP status comes back as data (the caller decides), while no answer at all (a
   * dead gateway, a timeout) throws a gateway error naming the URL.
   */
  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<AdminAnswer<T>> {
    const url = `${this.adminUrl}${path}`;
    try {
      const answer = await request(url, {
        method,
        dispatcher: this.agent,
        headers: { authorization: this.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await answer.body.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw gatewayError(`the reference gateway answered ${method} ${url} with HTTP ${answer.statusCode} and a body that is not JSON`);
      }
      return { status: answer.statusCode, body: parsed as T };
    } catch (error) {
      if (error instanceof Error && error.name === 'GwscaleError') throw error;
      const reason = error instanceof Error ? ((error as Error & { code?: string }).code ?? error.name) : String(error);
      const timedOut = reason === 'TimeoutError' || reason === 'UND_ERR_HEADERS_TIMEOUT' || reason === 'UND_ERR_BODY_TIMEOUT';
      throw gatewayError(
        timedOut ? `the reference gateway did not answer ${method} ${url} within ${timeoutMs} ms` : `the reference gateway at ${this.adminUrl} did not answer ${method} ${path} (${reason})`,
        { hint: 'is the gateway process still running? see its exit and last output in the run log' },
      );
    }
  }

  /** A call that must succeed (2xx); otherwise a gateway error with the gateway's own reason. */
  async ok<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const answer = await this.call<T & { error?: string }>(method, path, body, timeoutMs);
    if (answer.status < 200 || answer.status >= 300) {
      const reason = typeof answer.body.error === 'string' ? answer.body.error : `HTTP ${answer.status}`;
      throw gatewayError(`${method} ${this.adminUrl}${path} failed with HTTP ${answer.status}: ${reason}`);
    }
    return answer.body;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
