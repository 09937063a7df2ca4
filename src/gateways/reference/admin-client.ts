/**
 * JSON calls to the reference gateway's deployment API over the shared admin client: basic auth,
 * JSON bodies and answers, and one-line gateway errors that name the URL and never the password.
 */
import { gatewayError } from '../../errors.js';
import { AdminClient, type RetryPolicy } from '../admin-client.js';

export interface AdminAnswer<T> {
  readonly status: number;
  readonly body: T;
  /** Attempts the call took. */
  readonly attempts: number;
}

/** Per-call choices; by default a GET is idempotent and a POST is not. */
export interface CallOptions {
  /** Safe to send twice: the gateway de-duplicates it (groups, imports, attached policies) or it only reads. */
  readonly idempotent?: boolean;
  /** A deploy: sent on a connection of its own (see `AdminRequest.fresh`). */
  readonly fresh?: boolean;
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy;
}

/** Frozen, so the admin client and its transport encode it once. */
const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' });

export class ReferenceAdminClient {
  readonly adminUrl: string;
  readonly #http: AdminClient;

  /** @param log diagnostic lines (retries); never given a credential. */
  constructor(adminUrl: string, credentials: { readonly user: string; readonly password: string }, timeoutMs: number, log?: (line: string) => void) {
    this.adminUrl = adminUrl;
    this.#http = new AdminClient({ baseUrl: adminUrl, name: 'the reference gateway', timeoutMs, auth: credentials, ...(log ? { onRetry: log } : {}) });
  }

  /**
   * One call; any HTTP status comes back as data (the caller decides), while no answer at all (a
   * dead gateway, a timeout) throws an `AdminCallError` naming the URL. A non-JSON error answer
   * (a proxy's 503 page) becomes `{ error: <its first line> }`.
   */
  async call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, options: CallOptions = {}): Promise<AdminAnswer<T>> {
    const answer = await this.#http.send({
      method,
      path,
      idempotent: options.idempotent ?? method === 'GET',
      ...(options.fresh === undefined ? {} : { fresh: options.fresh }),
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: JSON_HEADERS }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      if (answer.status >= 200 && answer.status < 300) {
        throw gatewayError(`the reference gateway answered ${method} ${this.adminUrl}${path} with HTTP ${answer.status} and a body that is not JSON`);
      }
      parsed = { error: answer.text.trim().split(/\r?\n/)[0]?.slice(0, 200) || `HTTP ${answer.status}` };
    }
    return { status: answer.status, body: parsed as T, attempts: answer.attempts };
  }

  /** A call that must succeed (2xx); otherwise a gateway error with the gateway's own reason. */
  async ok<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, options?: CallOptions): Promise<T> {
    const answer = await this.call<T & { error?: string }>(method, path, body, options);
    if (answer.status < 200 || answer.status >= 300) {
      const reason = typeof answer.body.error === 'string' ? answer.body.error : `HTTP ${answer.status}`;
      throw gatewayError(`${method} ${this.adminUrl}${path} failed with HTTP ${answer.status}: ${reason}`);
    }
    return answer.body;
  }

  /** Closes the pooled connections. */
  close(): Promise<void> {
    return this.#http.close();
  }
}
