/**
 * Calls to a gateway's deployment API: a timeout on every call, retries with exponential backoff for
 * transient failures (connection reset, 502/503/504, timeouts) and none for definite ones (4xx, an
 * answer that says the operation failed). Credentials go in a header and never into an error message.
 */
import axios, { type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { gatewayError, GwscaleError } from '../errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the first retry; doubles each time, with ±25% jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface AdminCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly body?: string | Uint8Array | object;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly auth?: { readonly user: string; readonly password: string };
  /** Safe to send twice (GET, idempotent registration). Non-idempotent calls are not retried after a timeout. */
  readonly idempotent: boolean;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
}

export interface AdminResponse {
  readonly status: number;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Attempts it took. */
  readonly attempts: number;
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
const TRANSIENT_STATUS = new Set([502, 503, 504]);

/** Why a call failed, and whether trying again may help. */
export interface CallFailure {
  readonly transient: boolean;
  readonly timedOut: boolean;
  readonly description: string;
}

function describe(error: unknown): CallFailure {
  if (axios.isAxiosError(error)) {
    const code = error.code ?? '';
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(error.message);
    if (timedOut) return { transient: true, timedOut: true, description: 'timed out' };
    return { transient: TRANSIENT_CODES.has(code), timedOut: false, description: code || error.message };
  }
  return { transient: false, timedOut: false, description: error instanceof Error ? error.message : String(error) };
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

/** The URL without credentials or query (for messages). */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Sends one deployment-API call with timeout and retries. Resolves with any HTTP answer that is not
 * transient (the caller decides what a 4xx means); rejects with a one-line GwscaleError when the
 * gateway cannot be reached or kept failing transiently.
 */
export async function adminCall(call: AdminCall): Promise<AdminResponse> {
  const policy = call.retry ?? DEFAULT_RETRY;
  let last: CallFailure | null = null;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const config: AxiosRequestConfig = {
      method: call.method,
      url: call.url,
      timeout: call.timeoutMs,
      // A hung deploy must not outlive its timeout even if the socket stays open.
      signal: AbortSignal.any([AbortSignal.timeout(call.timeoutMs + 1000), ...(call.signal ? [call.signal] : [])]),
      responseType: 'text',
      transformResponse: (x: unknown) => x,
      validateStatus: () => true,
      maxRedirects: 0,
      headers: { ...call.headers },
      ...(call.body === undefined ? {} : { data: call.body }),
      ...(call.auth ? { auth: { username: call.auth.user, password: call.auth.password } } : {}),
    };
    try {
      const response: AxiosResponse<string> = await axios.request(config);
      if (TRANSIENT_STATUS.has(response.status) && attempt < policy.attempts) {
        last = { transient: true, timedOut: false, description: `HTTP ${response.status}` };
      } else {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(response.headers)) if (typeof v === 'string') headers[k.toLowerCase()] = v;
        return { status: response.status, text: typeof response.data === 'string' ? response.data : '', headers, attempts: attempt };
      }
    } catch (error) {
      if (call.signal?.aborted) throw gatewayError(`${call.method} ${safeUrl(call.url)}: cancelled`);
      last = describe(error);
      // A call that changes state and timed out may have taken effect: only retry it when idempotent.
      if (!last.transient || (last.timedOut && !call.idempotent)) break;
    }
    if (attempt < policy.attempts) {
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(delay * (0.75 + Math.random() * 0.5), call.signal);
    }
  }
  throw gatewayError(`${call.method} ${safeUrl(call.url)}: ${last?.description ?? 'failed'}`, {
    hint: last?.timedOut ? 'the gateway did not answer in time; raise --call-timeout-ms or check the gateway' : 'is the gateway running and listening on that address?',
  });
}

/** True when an error came from `adminCall` giving up on an unreachable gateway. */
export const isGatewayError = (error: unknown): boolean => error instanceof GwscaleError && error.kind === 'gateway';
