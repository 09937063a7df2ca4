/** Fetches a WSDL the harness serves, by URL, from loopback only. */
import { request, type Dispatcher } from 'undici';
import { isLoopbackHost } from '../loopback.js';
import { ApiError } from './api-error.js';
import { MAX_BODY_BYTES } from './http-util.js';

/** True for an http(s) URL on loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackUrl(url: URL): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
}

/**
 * GETs a WSDL document as bytes (the parser decodes the encoding it declares); non-loopback URLs,
 * failures and oversize documents are 400s naming the URL.
 */
export async function fetchWsdl(text: string, dispatcher: Dispatcher, timeoutMs = 10_000): Promise<Uint8Array> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ApiError(400, `wsdlUrl "${text.slice(0, 200)}" is not a URL`);
  }
  if (!isLoopbackUrl(url))
    throw new ApiError(400, `wsdlUrl ${url.origin} is not on loopback: the reference gateway only fetches from 127.0.0.1, ::1 or localhost`);
  try {
    const answer = await request(url, { method: 'GET', dispatcher, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
    if (answer.statusCode !== 200) {
      await answer.body.dump();
      throw new ApiError(400, `fetching ${url.href} answered HTTP ${answer.statusCode}`);
    }
    const declared = Number(answer.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      await answer.body.dump();
      throw new ApiError(400, `${url.href} is ${declared} bytes, over the ${MAX_BODY_BYTES}-byte limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of answer.body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_BODY_BYTES) {
        answer.body.destroy();
        throw new ApiError(400, `${url.href} is over the ${MAX_BODY_BYTES}-byte limit`);
      }
      chunks.push(buffer);
    }
    return Buffer.concat(chunks, size);
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const cause = error instanceof Error ? ((error as Error & { code?: string }).code ?? error.message) : String(error);
    throw new ApiError(400, `could not fetch ${url.href}: ${cause}`);
  }
}
