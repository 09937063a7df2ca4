/**
 * A small HTTP/1.1 server for documents fetched with GET (or HEAD) on loopback: the harness's WSDL
 * server, which a gateway calls once per registration. It reads a request head, answers it with one
 * write and keeps the connection for the next; anything else (a body, a method other than GET and
 * HEAD, a head it cannot read) gets a plain error answer and a closed connection. A hostile client
 * holds little: a head is at most 16 KiB and must be whole within `headDeadlineMs`, and a client that
 * pipelines requests without reading the answers is not read from until they drain.
 *
 * Why not node:http: serving one WSDL cost the harness 31 µs of CPU with node:http and 18 µs with a
 * raw socket at 8 connections (3 KB documents, `docs/performance.md`), and serving WSDLs was a fifth
 * of the harness's CPU per registration. No library on npm serves HTTP on Node without node:http.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** What a path is answered with: a document, or a status with a one-line reason. */
export type DocumentAnswer = { readonly contentType: string; readonly body: string } | { readonly status: 404; readonly reason: string };

export interface DocumentServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  close(): Promise<void>;
}

export interface DocumentServerOptions {
  /** A connection with nothing in flight is closed after this long (the client reconnects); answers say so (`keep-alive: timeout=`). */
  readonly idleMs?: number;
  /** A request head must be whole this long after its first byte, or the connection gets 408 and is closed. */
  readonly headDeadlineMs?: number;
}

/** Largest request head read; a longer one is answered 431 and the connection closed. */
export const MAX_REQUEST_HEAD_BYTES = 16 * 1024;
const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_HEAD_DEADLINE_MS = 10_000;
/** Answers waiting in the socket's buffer above which reading pauses (a client pipelining without reading). */
const WRITE_BUFFER_LIMIT = 256 * 1024;
/** A method is any token (RFC 9110); the target anything without a space (raw bytes too). */
const requestLine = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([^ ]+) HTTP\/1\.([01])$/;
const hasBody = /\r\n(?:content-length:[ \t]*0*[1-9]|transfer-encoding:)/i;
const closeHeader = /\r\nconnection:[^\r]*\bclose\b/i;
const keepAliveHeader = /\r\nconnection:[^\r]*\bkeep-alive\b/i;

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
};

let dateSecond = -1;
let dateText = '';
/** The Date field, formatted once a second. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

/** An answer's head; `bodyBytes` is the body's length in UTF-8. */
function answerHead(status: number, contentType: string, bodyBytes: number, close: boolean, extra: string): string {
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? ''}\r\ndate: ${httpDate()}\r\ncontent-type: ${contentType}\r\n` +
    `content-length: ${bodyBytes}\r\n${extra}${close ? 'connection: close\r\n' : ''}\r\n`
  );
}

/** The path of a request target, decoded, without its query; null when it cannot be read. */
function pathOf(target: string): string | null {
  let path = target;
  if (!path.startsWith('/')) {
    // Absolute form (`http://host/path`), which a server must accept.
    const match = /^https?:\/\/[^/?#]*(\/[^?#]*)?/i.exec(path);
    if (match === null) return null;
    path = match[1] ?? '/';
  }
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  try {
    // Raw bytes above ASCII (the head is read as Latin-1) decode as UTF-8, like their %-escapes.
    return decodeURIComponent(path.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16)}`));
  } catch {
    return null;
  }
}

/**
 * @param documentAt what to answer for a decoded path (query left out); called once per request.
 */
export async function startDocumentServer(documentAt: (path: string) => DocumentAnswer, options: DocumentServerOptions = {}): Promise<DocumentServer> {
  const sockets = new Set<Socket>();
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const headDeadlineMs = options.headDeadlineMs ?? DEFAULT_HEAD_DEADLINE_MS;
  const keepAlive = `keep-alive: timeout=${Math.floor(idleMs / 1000)}\r\n`;
  const serve = (socket: Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(idleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    // Heads are ASCII; Latin-1 keeps every byte one character, so lengths are byte counts.
    socket.setEncoding('latin1');
    let pending = '';
    /** False once an answer closed the connection: what follows is not read. */
    let open = true;
    /** Set while a head is incomplete: a client trickling bytes cannot hold the connection forever. */
    let headTimer: NodeJS.Timeout | null = null;
    const stopHeadTimer = (): void => {
      if (headTimer !== null) clearTimeout(headTimer);
      headTimer = null;
    };
    socket.on('close', () => {
      sockets.delete(socket);
      stopHeadTimer();
    });
    /** Answers every whole head in `pending`, in order, until the client must read first. */
    const answerPending = (): void => {
      while (open) {
        // Empty lines before a request line are ignored (RFC 9112 §2.2).
        if (pending.startsWith('\r\n')) pending = pending.replace(/^(?:\r\n)+/, '');
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (pending.length > MAX_REQUEST_HEAD_BYTES + 3) {
            stopHeadTimer();
            open = refuse(socket, pending, 431, 'request head too large');
          } else if (pending !== '' && headTimer === null) {
            headTimer = setTimeout(() => {
              open = refuse(socket, pending, 408, `no whole request head within ${headDeadlineMs} ms`);
              setTimeout(() => socket.destroy(), 1_000).unref();
            }, headDeadlineMs);
          }
          return;
        }
        stopHeadTimer();
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        open = end > MAX_REQUEST_HEAD_BYTES ? refuse(socket, head, 431, 'request head too large') : respond(socket, head);
        if (open && socket.writableLength > WRITE_BUFFER_LIMIT) {
          // The client sends faster than it reads: stop reading until the answers drain.
          socket.pause();
          socket.once('drain', () => {
            socket.resume();
            answerPending();
          });
          return;
        }
      }
    };
    socket.on('data', (chunk: string) => {
      if (!open) return;
      pending = pending === '' ? chunk : pending + chunk;
      if (!socket.isPaused()) answerPending();
    });
  };
  /**
   * Answers `request` (its head, or as much of it as came) with an error and closes; returns false
   * (the connection is done). An answer to HEAD has no body.
   */
  const refuse = (socket: Socket, request: string, status: 400 | 405 | 408 | 431 | 500, reason: string, extra = ''): false => {
    const body = `${reason}\n`;
    const toHead = request.startsWith('HEAD ');
    socket.end(answerHead(status, 'text/plain', Buffer.byteLength(body, 'utf8'), true, extra) + (toHead ? '' : body), 'utf8');
    return false;
  };
  /** Answers one request head; returns whether the connection stays open. */
  const respond = (socket: Socket, head: string): boolean => {
    const lineEnd = head.indexOf('\r\n');
    const match = requestLine.exec(lineEnd < 0 ? head : head.slice(0, lineEnd));
    if (match === null) return refuse(socket, head, 400, 'not an HTTP/1.x request');
    const [, method, target, minor] = match as unknown as [string, string, string, string];
    if (hasBody.test(head)) return refuse(socket, head, 400, 'this server reads no request bodies');
    if (method !== 'GET' && method !== 'HEAD') return refuse(socket, head, 405, `${method} is not served here`, 'allow: GET, HEAD\r\n');
    const path = pathOf(target);
    if (path === null) return refuse(socket, head, 400, 'unreadable request target');
    const close = minor === '0' ? !keepAliveHeader.test(head) : closeHeader.test(head);
    // An HTTP/1.0 client keeps the connection only when told so; every client is told for how long.
    const extra = close ? '' : minor === '0' ? `connection: keep-alive\r\n${keepAlive}` : keepAlive;
    let found: DocumentAnswer;
    try {
      found = documentAt(path);
    } catch (error) {
      const reason = `cannot make ${path}: ${error instanceof Error ? error.message : String(error)}`.replace(/[\r\n]+/g, ' ');
      return refuse(socket, head, 500, reason);
    }
    const [status, contentType, body] = 'body' in found ? [200, found.contentType, found.body] : [found.status, 'text/plain', `${found.reason}\n`];
    // Head and body as two strings in one corked write: joining them would copy the document once more.
    socket.cork();
    socket.write(answerHead(status, contentType, Buffer.byteLength(body, 'utf8'), close, extra), 'latin1');
    if (method !== 'HEAD') socket.write(body, 'utf8');
    if (close) socket.end();
    socket.uncork();
    return !close;
  };
  const server: Server = createServer(serve);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
