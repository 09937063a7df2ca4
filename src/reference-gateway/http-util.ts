/** Small node:http helpers the gateway's two servers share: bounded bodies, JSON answers, basic auth. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './api-error.js';

/** Largest request body either server accepts. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** Reads a request body; more than `maxBytes` is refused with 413 (the rest is drained, not kept). */
export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      req.resume();
      reject(new ApiError(413, `request body of ${declared} bytes is over the ${maxBytes}-byte limit`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) reject(new ApiError(413, `request body is over the ${maxBytes}-byte limit`));
      else resolve(Buffer.concat(chunks, size).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Parses a JSON object body; anything else is a 400 with the reason. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, `request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Checks `Authorization: Basic …` against one user and password in constant time. */
export function basicAuthChecker(user: string, password: string): (req: IncomingMessage) => boolean {
  const expected = digest(`${user}:${password}`);
  return (req) => {
    const header = req.headers.authorization;
    if (header === undefined || !/^basic /i.test(header)) return false;
    const given = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    return timingSafeEqual(digest(given), expected);
  };
}
