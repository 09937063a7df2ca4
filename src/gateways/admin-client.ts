/**
 * The one way gwscale calls a gateway's deployment API (reference, Caddy, Tomcat): a timeout on
 * every call, retries with exponential backoff for transient failures (connection reset, HTTP
 * 502/503/504, timeouts) and none for definite ones (refused connection, 4xx, an answer that says
 * the operation failed), and one-line errors that name the URL and never a credential.
 *
 * A call that changes state and may have taken effect (a deploy) is marked not idempotent: it is
 * retried only when the gateway answered 503 (it says it did not take the call), never after a
 * timeout or a reset. A deploy that replaces the whole configuration is also marked `fresh`: it goes
 * on a connection opened for it and closed after, since on a kept-alive one the gateway may be
 * closing as the request goes out (Caddy closes every admin connection on each config load), and it
 * would be lost unanswered. Other calls keep pooled connections: a connection per call would leave
 * a large run's registrations short of ephemeral ports. The per-target clients
 * (`reference/admin-client.ts`, `caddy/admin-client.ts`, `tomcat/manager-client.ts`) add auth style
 * and answer parsing on top.
 *
 * Plain-http APIs (every target's, on loopback) go through `Http1Pool`, raw keep-alive sockets: a
 * registration sends four calls per service, and undici's dispatch cost as much harness CPU per
 * call as the kernel's side of the exchange (bench/capacity). https URLs go through undici.
 * Either way the timeout covers the wait for the answer and every pause within its body.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Pool, request } from 'undici';
import { GwscaleError } from '../errors.js';
import { Http1Pool, type Http1Answer } from '../http1/keep-alive-pool.js';

/** How often and how patiently a call is tried again. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Of those, how many may end in a timeout: a gateway that did not answer twice will not answer a third time soon. */
  readonly timeoutAttempts: number;
  /** Delay before the first retry; doubles each time, with ±25% jitter (a 503's Retry-After wins, up to `maxDelayMs`). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 4, timeoutAttempts: 2, baseDelayMs: 200, maxDelayMs: 5_000 });
/** One attempt only (readiness polls, which loop themselves). */
export const NO_RETRY: RetryPolicy = Object.freeze({ attempts: 1, timeoutAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 });

/** What went wrong with one attempt. */
export type FailureKind = 'timeout' | 'reset' | 'refused' | 'unavailable' | 'network';

/** Why an attempt got no usable answer, and whether trying again may help. */
export interface CallFailure {
  readonly kind: FailureKind;
  /** A retry may succeed (for idempotent calls; see `mayRetry`). */
  readonly transient: boolean;
  /** One line, e.g. `timed out after 1500 ms`, `connection reset`, `HTTP 503`. */
  readonly description: string;
  /** The HTTP status of an `unavailable` answer. */
  readonly status?: number;
}

export interface AdminClientOptions {
  /** Base URL every path is appended to, e.g. `http://127.0.0.1:2019`. */
  readonly baseUrl: string;
  /** Who answers, for messages: `the reference gateway`, `Caddy's admin API`, `the Tomcat manager`. */
  readonly name: string;
  /** Timeout of one attempt, from sending to the last byte of the answer (`--call-timeout-ms`). */
  readonly timeoutMs: number;
  /** HTTP basic auth; it travels only in the Authorization header, never in a URL or a message. */
  readonly auth?: { readonly user: string; readonly password: string };
  readonly retry?: RetryPolicy;
  /** Connections kept open to the gateway at most (default 16). */
  readonly connections?: number;
  /** Diagnostic line per retry (method, path, why); never holds a credential. */
  readonly onRetry?: (line: string) => void;
}

export interface AdminRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path, with its query, below the base URL. */
  readonly path: string;
  readonly body?: string | Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send twice (reads, registration steps the gateway de-duplicates); a deploy is not. */
  readonly idempotent: boolean;
  /**
   * Send on a connection opened for this call and closed after, never a kept one the gateway may be
   * closing as the request goes out: for a deploy that replaces the whole configuration, which is
   * never retried after a reset (Caddy closes every admin connection on each load).
   */
  readonly fresh?: boolean;
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number;
  /** Overrides the client's retry policy for this call. */
  readonly retry?: RetryPolicy;
}

export interface AdminResponse {
  readonly status: number;
  readonly text: string;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts it took (1 when the first answer counted). */
  readonly attempts: number;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'ERR_HTTP1_CLOSED']);
const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ERR_HTTP1_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const UNAVAILABLE_STATUS = new Set([502, 503, 504]);

/** Classifies what an HTTP attempt threw. */
export function classifyError(error: unknown, timeoutMs: number): CallFailure {
  const name = error instanceof Error ? error.name : '';
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  const codeText = typeof code === 'string' ? code : '';
  if (name === 'TimeoutError' || TIMEOUT_CODES.has(codeText)) return { kind: 'timeout', transient: true, description: `timed out after ${timeoutMs} ms` };
  if (RESET_CODES.has(codeText))
    return { kind: 'reset', transient: true, description: CLOSED_CODES.has(codeText) ? 'connection closed before an answer' : 'connection reset' };
  if (codeText === 'ECONNREFUSED') return { kind: 'refused', transient: false, description: 'connection refused (nothing listens there)' };
  const text = error instanceof Error ? error.message : String(error);
  return { kind: 'network', transient: false, description: (codeText || text).replace(/\s+/g, ' ').slice(0, 200) };
}

/** The failure an answer stands for, when it is a 502/503/504. */
export function classifyStatus(status: number): CallFailure | null {
  return UNAVAILABLE_STATUS.has(status) ? { kind: 'unavailable', transient: true, description: `HTTP ${status}`, status } : null;
}

/**
 * Whether a failed attempt may be sent again. A call that is not idempotent is retried only after
 * a 503 (the gateway says it did not take it); after a timeout, a reset or a 502/504 it may have
 * taken effect, and a second deploy would change what is measured.
 */
export function mayRetry(failure: CallFailure, idempotent: boolean): boolean {
  if (!failure.transient) return false;
  return idempotent || failure.status === 503;
}

/** A deployment-API call that got no usable answer. `kind` stays `gateway` (exit code 7). */
export class AdminCallError extends GwscaleError {
  constructor(
    message: string,
    readonly failure: CallFailure,
    readonly attempts: number,
    options: { hint?: string; cause?: unknown },
  ) {
    super('gateway', message, options);
  }
}

/** The URL without credentials, query or fragment, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Delay before retry number `retry` (1-based), with jitter; a 503's Retry-After (seconds) when given. */
function backoffMs(policy: RetryPolicy, retry: number, retryAfter: string | undefined): number {
  const asked = retryAfter !== undefined && /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter) * 1000 : null;
  if (asked !== null) return Math.min(policy.maxDelayMs, asked);
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return delay * (0.75 + Math.random() * 0.5);
}

function flatHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return flat;
}

/** Sends one HTTP exchange; the retry policy lives above it. `fresh`: on a connection of its own, closed after. */
interface Transport {
  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
    fresh: boolean,
  ): Promise<Http1Answer>;
  close(): Promise<void>;
}

function http1Transport(origin: string, connections: number): Transport {
  const pool = new Http1Pool(origin, { connections });
  return {
    send: (method, path, headers, body, timeoutMs, fresh) => pool.request({ method, path, headers, timeoutMs, fresh, ...(body === undefined ? {} : { body }) }),
    close: () => pool.destroy(),
  };
}

function undiciTransport(origin: string, connections: number): Transport {
  // One origin per client: a Pool skips the Agent's per-call origin lookup.
  const pool = new Pool(origin, { connections });
  // Clients opened for one `fresh` call each, destroyed after it or when the transport closes.
  const singles = new Set<Client>();
  return {
    async send(method, path, headers, body, timeoutMs, fresh) {
      const single = fresh ? new Client(origin) : null;
      if (single !== null) singles.add(single);
      try {
        // The header timeout bounds the wait for an answer and the body timeout every pause within it.
        const answer = await request(`${origin}${path}`, {
          method: method as 'GET',
          dispatcher: single ?? pool,
          headers,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          // `reset` sends Connection: close.
          ...(single === null ? {} : { reset: true }),
          ...(body === undefined ? {} : { body }),
        });
        const text = await answer.body.text();
        return { status: answer.statusCode, headers: flatHeaders(answer.headers), text };
      } finally {
        if (single !== null) {
          singles.delete(single);
          await single.destroy();
        }
      }
    },
    close: async () => {
      await Promise.all([pool.destroy(), ...[...singles].map((single) => single.destroy())]);
    },
  };
}

/** The answer with its attempt count; `headers` stays lazy (the raw transport parses them on demand). */
function withAttempts(answer: Http1Answer, attempts: number): AdminResponse {
  return {
    status: answer.status,
    text: answer.text,
    attempts,
    get headers() {
      return answer.headers;
    },
  };
}

/** A pooled client for one gateway's deployment API. Close it when the gateway stops. */
export class AdminClient {
  readonly baseUrl: string;
  readonly name: string;
  readonly #options: AdminClientOptions;
  readonly #authorization: string | null;
  readonly #transport: Transport;
  readonly #basePath: string;
  readonly #merged = new WeakMap<object, Readonly<Record<string, string>>>();
  readonly #authOnly: Readonly<Record<string, string>>;

  constructor(options: AdminClientOptions) {
    this.#options = Object.freeze({ ...options });
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.name = options.name;
    this.#authorization = options.auth ? `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}` : null;
    const authOnly: Record<string, string> = this.#authorization === null ? {} : { authorization: this.#authorization };
    this.#authOnly = Object.freeze(authOnly);
    const base = new URL(this.baseUrl);
    this.#basePath = base.pathname.replace(/\/+$/, '');
    const connections = options.connections ?? 16;
    this.#transport = base.protocol === 'http:' ? http1Transport(base.origin, connections) : undiciTransport(base.origin, connections);
  }

  /**
   * Sends one call, trying again as the retry policy and `idempotent` allow. Resolves with any
   * HTTP answer that is not a transient failure, or with the last 502/503/504 when the attempts are
   * used up (the caller decides what a status means); rejects with an `AdminCallError` when no
   * answer came at all.
   */
  async send(call: AdminRequest): Promise<AdminResponse> {
    const policy = call.retry ?? this.#options.retry ?? DEFAULT_RETRY;
    const timeoutMs = call.timeoutMs ?? this.#options.timeoutMs;
    let timeouts = 0;
    for (let attempt = 1; ; attempt++) {
      let failure: CallFailure;
      let retryAfter: string | undefined;
      try {
        const answer = await this.#transport.send(
          call.method,
          this.#basePath + call.path,
          this.#headersFor(call.headers),
          call.body,
          timeoutMs,
          call.fresh === true,
        );
        const unavailable = classifyStatus(answer.status);
        if (unavailable === null) return withAttempts(answer, attempt);
        failure = unavailable;
        retryAfter = answer.headers['retry-after'];
        const retriesLeft = attempt < policy.attempts && mayRetry(failure, call.idempotent);
        if (!retriesLeft) return withAttempts(answer, attempt);
      } catch (error) {
        failure = classifyError(error, timeoutMs);
        if (failure.kind === 'timeout') timeouts++;
        const retriesLeft =
          attempt < policy.attempts && mayRetry(failure, call.idempotent) && (failure.kind !== 'timeout' || timeouts < policy.timeoutAttempts);
        if (!retriesLeft) throw this.#error(call, `${this.baseUrl}${call.path}`, failure, attempt, error);
      }
      const delay = backoffMs(policy, attempt, retryAfter);
      this.#options.onRetry?.(
        `${this.name}: ${call.method} ${safeUrl(`${this.baseUrl}${call.path}`)}: ${failure.description}; retry ${attempt} of ${policy.attempts - 1} in ${Math.round(delay)} ms`,
      );
      await sleep(delay);
    }
  }

  /**
   * The call's headers with the client's Authorization, as one frozen object kept per (frozen)
   * header object of the caller's: the transport encodes each such object once.
   */
  #headersFor(headers: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
    if (headers === undefined) return this.#authOnly;
    const kept = this.#merged.get(headers);
    if (kept !== undefined) return kept;
    const merged = Object.freeze(this.#authorization === null ? { ...headers } : { ...headers, authorization: this.#authorization });
    if (Object.isFrozen(headers)) this.#merged.set(headers, merged);
    return merged;
  }

  #error(call: AdminRequest, url: string, failure: CallFailure, attempts: number, cause: unknown): AdminCallError {
    const tries = attempts > 1 ? ` (${attempts} attempts)` : '';
    const notRetried = !call.idempotent && failure.transient ? ' (not retried: it may have taken effect)' : '';
    const hint =
      failure.kind === 'timeout'
        ? 'the gateway did not answer in time: raise --call-timeout-ms, or see the gateway log in the run folder'
        : 'is the gateway process still running? its exit and last output are in the run log';
    return new AdminCallError(`${this.name}: ${call.method} ${safeUrl(url)}: ${failure.description}${tries}${notRetried}`, failure, attempts, { hint, cause });
  }

  /** Closes the pooled connections, cancelling calls still in flight. */
  close(): Promise<void> {
    return this.#transport.close();
  }
}
