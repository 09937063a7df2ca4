/**
 * Maps an answer or a transport error to the error kinds results count. A SOAP fault is told apart
 * from a plain HTTP error by its body, which is only read for 4xx/5xx answers (off the fast path).
 */
import type { TrafficErrorKind } from './result.js';

/** `<soapenv:Fault>`, `<soap:Fault ...>`, `<Fault>` – any prefix, SOAP 1.1 or 1.2. */
const faultElement = /<(?:[A-Za-z_][\w.-]*:)?Fault[\s>/]/;

/** Bodies longer than this are not searched further for a fault element. */
export const FAULT_SCAN_LIMIT_CHARS = 64 * 1024;

/**
 * Kind of a finished exchange from its HTTP status and (for 4xx/5xx, when fault detection is on)
 * the start of its body; null means success.
 */
export function classifyStatus(status: number, body: string | null): TrafficErrorKind | null {
  if (status < 400) return null;
  if (body !== null && faultElement.test(body)) return 'soap-fault';
  return status >= 500 ? 'http-5xx' : 'http-4xx';
}

const connectCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);
const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Kind of a transport-level failure (undici or Node socket error). */
export function classifyError(error: unknown): TrafficErrorKind {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (timeoutCodes.has(code)) return 'timeout';
  if (connectCodes.has(code)) return 'connect';
  return 'other';
}
