/**
 * A small HTTP/1.1 client for one plain-http origin: up to N raw keep-alive connections, one
 * request in flight on each (no pipelining), a FIFO queue behind them. Each request is encoded into
 * one buffer and sent with one write; answers are framed by `ResponseParser`.
 *
 * Why not undici here: registering a service costs the harness four deployment-API calls, and on
 * loopback undici's dispatch (request objects, body streams, promises per stage) cost about as much
 * CPU as the kernel's part of the exchange. bench/capacity measures the difference.
 *
 * Errors carry Node-style codes the deployment-API client classifies: ECONNREFUSED, ECONNRESET,
 * EPIPE (from the socket), `ETIMEDOUT` (no byte for the request's timeout), `ERR_HTTP1_CLOSED`
 * (closed before a whole answer), `HPE_MALFORMED` (not HTTP/1.x, or too large), and
 * `ERR_HTTP1_DESTROYED` (the pool was closed with the call in flight).
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { headerFields, ResponseParser } from './response-parser.js';

export interface Http1PoolOptions {
  /** Connections kept open at most. */
  readonly connections: number;
  /**
   * A connection idle this long is not used again (it is closed): servers close idle keep-alive
   * connections (Node after 5 s), and a request written as the server closes would be lost. A
   * server's `Keep-Alive: timeout=N` shortens it to N − 1 s.
   */
  readonly idleMs?: number;
  /** Largest answer body accepted, in bytes (default 256 MiB). */
  readonly maxAnswerBytes?: number;
}

export interface Http1Request {
  readonly method: string;
  /** Path and query; no whitespace. */
  readonly path: string;
  /** Header fields to send; `host` and `content-length` are added. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Longest wait for the first byte of the answer, and between any two reads of it. */
  readonly timeoutMs: number;
  /**
   * Send on a connection of its own, opened for this call and closed after it, never on one kept
   * alive: for a call that cannot be sent twice, since a kept connection may be closing by the
   * server as the request is written (Caddy closes them all on every config load).
   */
  readonly fresh?: boolean;
}

export interface Http1Answer {
  readonly status: number;
  /** Header names in lower case; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly text: string;
}

/** An error with a Node-style code. */
export class Http1Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Http1Error';
  }
}

interface Call {
  readonly request: Http1Request;
  readonly resolve: (answer: Http1Answer) => void;
  readonly reject: (error: Error) => void;
}

/** One socket and the call on it. */
interface Connection {
  readonly socket: Socket;
  readonly parser: ResponseParser;
  call: Call | null;
  /** The answer's body so far, decoded as it arrives (a character split between reads is held by `decoder`). */
  text: string;
  readonly decoder: StringDecoder;
  bodyBytes: number;
  /** performance.now() of the last write or read for the call in flight, or when it became idle. */
  lastActivityMs: number;
  /** The socket closed or failed: never used again. */
  dead: boolean;
  /** Opened for one `fresh` call: closed after its answer. */
  single: boolean;
  /** How long it may sit idle and still be reused (the pool's limit, or less when the server said so). */
  idleLimitMs: number;
}

const DEFAULT_IDLE_MS = 4_000;
const DEFAULT_MAX_ANSWER_BYTES = 256 * 1024 * 1024;
const keepAliveTimeout = /\r\nkeep-alive:[^\r]*\btimeout=(\d+)/i;
/** An origin-form target: printable ASCII without spaces (callers percent-encode the rest). */
const safePath = /^\/[\x21-\x7e]*$/;
/** RFC 9110 token. */
const token = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Header lines already encoded, per (frozen) header object. */
interface EncodedFields {
  readonly text: string;
  /** Printable ASCII (and tabs) only: the lines read the same in Latin-1 and UTF-8. */
  readonly ascii: boolean;
}
const encodedFields = new WeakMap<object, EncodedFields>();
const asciiOnly = /^[\t\r\n\x20-\x7e]*$/;
/** A field value sent as Latin-1: tab, printable characters, no CR, LF or NUL. */
const fieldValue = /^[\t\x20-\x7e\x80-\xff]*$/;

export class Http1Pool {
  readonly #host: string;
  readonly #port: number;
  readonly #hostHeader: string;
  readonly #max: number;
  readonly #maxAnswerBytes: number;
  readonly #idleMs: number;
  readonly #all = new Set<Connection>();
  /** Idle connections, most recently used last (reused first: it is the least likely to be closed). */
  #idle: Connection[] = [];
  #queue: Call[] = [];
  #timer: NodeJS.Timeout | null = null;
  #destroyed = false;
  #dispatching = false;
  /** One read buffer for every socket of the pool: parsing is synchronous, and kept bytes are copied. */
  readonly #readBuffer = Buffer.allocUnsafe(64 * 1024);

  /** @param origin `http://host:port` */
  constructor(origin: string, options: Http1PoolOptions) {
    const url = new URL(origin);
    if (url.protocol !== 'http:') throw new Error(`the keep-alive pool speaks plain http, not ${url.protocol}`);
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = url.port === '' ? 80 : Number(url.port);
    this.#hostHeader = url.host;
    this.#max = Math.max(1, options.connections);
    this.#idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
    this.#maxAnswerBytes = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  }

  /** Sends one request; resolves with any HTTP answer, rejects with an `Http1Error` or a socket error. */
  request(request: Http1Request): Promise<Http1Answer> {
    if (this.#destroyed) return Promise.reject(new Http1Error('ERR_HTTP1_DESTROYED', 'the connection pool is closed'));
    return new Promise<Http1Answer>((resolve, reject) => {
      this.#queue.push({ request, resolve, reject });
      this.#dispatch();
    });
  }

  /** Closes every connection; calls in flight or queued are rejected. */
  destroy(): Promise<void> {
    this.#destroyed = true;
    const closed = new Http1Error('ERR_HTTP1_DESTROYED', 'the connection pool was closed before the call was answered');
    for (const call of this.#queue.splice(0)) call.reject(closed);
    for (const conn of [...this.#all]) this.#kill(conn, closed);
    this.#stopTimer();
    return Promise.resolve();
  }

  #dispatch(): void {
    // Closing a stale connection while taking one calls back here: the running loop goes on instead.
    if (this.#dispatching) return;
    this.#dispatching = true;
    try {
      while (this.#queue.length > 0 && !this.#destroyed) {
        const fresh = (this.#queue[0] as Call).request.fresh === true;
        const conn = fresh ? this.#openFresh() : (this.#takeIdle() ?? this.#openIfRoom());
        if (conn === null) return;
        this.#start(conn, this.#queue.shift() as Call);
      }
    } finally {
      this.#dispatching = false;
    }
  }

  #takeIdle(): Connection | null {
    const now = performance.now();
    for (;;) {
      const conn = this.#idle.pop();
      if (conn === undefined) return null;
      if (!conn.dead && now - conn.lastActivityMs < conn.idleLimitMs) return conn;
      this.#kill(conn, null);
    }
  }

  #openIfRoom(): Connection | null {
    return this.#all.size < this.#max ? this.#open() : null;
  }

  /** A connection for one call, closed after it; makes room by closing the longest-idle one when the pool is full. */
  #openFresh(): Connection | null {
    if (this.#all.size >= this.#max && this.#idle.length > 0) this.#kill(this.#idle[0] as Connection, null);
    const conn = this.#openIfRoom();
    if (conn !== null) conn.single = true;
    return conn;
  }

  #open(): Connection {
    const parser = new ResponseParser();
    const conn: Connection = {
      socket: connect({
        host: this.#host,
        port: this.#port,
        noDelay: true,
        onread: { buffer: this.#readBuffer, callback: (bytes: number) => this.#onRead(conn, bytes) },
      }),
      parser,
      call: null,
      text: '',
      decoder: new StringDecoder('utf8'),
      bodyBytes: 0,
      lastActivityMs: performance.now(),
      dead: false,
      single: false,
      idleLimitMs: this.#idleMs,
    };
    parser.onBody = (data) => {
      conn.bodyBytes += data.byteLength;
      if (conn.bodyBytes <= this.#maxAnswerBytes) conn.text += conn.decoder.write(data);
    };
    conn.socket.on('error', (error) => this.#kill(conn, error));
    conn.socket.on('close', () => {
      if (conn.call !== null && conn.parser.end() === 'done') return this.#finish(conn);
      this.#kill(conn, new Http1Error('ERR_HTTP1_CLOSED', 'the connection closed before a whole answer'));
    });
    this.#all.add(conn);
    return conn;
  }

  #start(conn: Connection, call: Call): void {
    let bytes: Buffer | string;
    try {
      bytes = this.#encode(call.request);
    } catch (error) {
      // Nothing was sent: a kept connection stays for the next call, one opened for this call closes.
      if (conn.single) this.#kill(conn, null);
      else {
        conn.socket.unref();
        this.#idle.push(conn);
      }
      call.reject(error as Error);
      return;
    }
    conn.call = call;
    conn.text = '';
    conn.decoder.end();
    conn.bodyBytes = 0;
    conn.parser.begin(call.request.method === 'HEAD');
    conn.lastActivityMs = performance.now();
    conn.socket.ref();
    conn.socket.write(bytes);
    this.#startTimer();
  }

  /**
   * The whole request for one write: a string when the head is ASCII and the body a string (written
   * as UTF-8, the head's bytes unchanged), else a Buffer.
   */
  #encode(request: Http1Request): Buffer | string {
    if (!safePath.test(request.path)) throw new Http1Error('ERR_HTTP1_INVALID', `invalid request path ${JSON.stringify(request.path)} (encode it first)`);
    const fields = this.#fieldsOf(request.headers);
    const start = `${request.method} ${request.path} HTTP/1.1\r\nhost: ${this.#hostHeader}\r\n${request.fresh === true ? 'connection: close\r\n' : ''}${fields.text}`;
    const body = request.body;
    const framed = body !== undefined || request.method === 'POST' || request.method === 'PUT';
    if (typeof body === 'string' && fields.ascii) return `${start}content-length: ${Buffer.byteLength(body, 'utf8')}\r\n\r\n${body}`;
    const bytes = body === undefined ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const head = Buffer.from(`${start}${framed ? `content-length: ${bytes?.byteLength ?? 0}\r\n` : ''}\r\n`, 'latin1');
    return bytes === null ? head : Buffer.concat([head, bytes]);
  }

  /**
   * The header lines for a set of fields, checked once: callers send the same few header objects
   * again and again (a client's JSON and auth headers), so their lines are kept per object.
   */
  #fieldsOf(headers: Readonly<Record<string, string>>): EncodedFields {
    const kept = encodedFields.get(headers);
    if (kept !== undefined) return kept;
    let text = '';
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue;
      if (!token.test(name)) throw new Http1Error('ERR_HTTP1_INVALID', `invalid header name ${JSON.stringify(name)}`);
      if (!fieldValue.test(value))
        throw new Http1Error('ERR_HTTP1_INVALID', `header ${JSON.stringify(name)} holds a line break or a character outside Latin-1`);
      text += `${name}: ${value}\r\n`;
    }
    const fields = { text, ascii: asciiOnly.test(text) };
    // Only frozen objects are kept: a caller could change another one between calls.
    if (Object.isFrozen(headers)) encodedFields.set(headers, fields);
    return fields;
  }

  /** `bytes` were read into the shared read buffer. */
  #onRead(conn: Connection, bytes: number): boolean {
    if (conn.dead) return false;
    // Bytes nobody asked for: the connection is out of step.
    if (conn.call === null) {
      this.#kill(conn, null);
      return false;
    }
    conn.lastActivityMs = performance.now();
    const state = conn.parser.push(this.#readBuffer, 0, bytes);
    if (state !== 'malformed' && conn.bodyBytes > this.#maxAnswerBytes)
      this.#kill(conn, new Http1Error('HPE_MALFORMED', `the answer is larger than ${this.#maxAnswerBytes} bytes`));
    else if (state === 'malformed') this.#kill(conn, new Http1Error('HPE_MALFORMED', 'the answer is not HTTP/1.x'));
    else if (state === 'done') this.#finish(conn);
    return true;
  }

  #finish(conn: Connection): void {
    const call = conn.call;
    if (call === null) return;
    conn.call = null;
    const parser = conn.parser;
    const head = parser.head;
    const text = conn.text + conn.decoder.end();
    conn.text = '';
    const hinted = keepAliveTimeout.exec(head);
    conn.idleLimitMs = hinted === null ? this.#idleMs : Math.min(this.#idleMs, Math.max(0, Number(hinted[1]) * 1000 - 1000));
    if (parser.closeAfter || parser.rest !== null || conn.dead || conn.single) this.#kill(conn, null);
    else {
      conn.lastActivityMs = performance.now();
      // An idle connection does not keep the process alive (a CLI that is done exits).
      conn.socket.unref();
      this.#idle.push(conn);
    }
    // Header fields are split out only when asked for: most callers read the status and body alone.
    let fields: Record<string, string> | null = null;
    call.resolve({
      status: parser.status,
      text,
      get headers() {
        return (fields ??= headerFields(head));
      },
    });
    this.#dispatch();
  }

  /** Closes a connection for good; a call on it is rejected with `error`. */
  #kill(conn: Connection, error: Error | null): void {
    const call = conn.call;
    conn.call = null;
    if (!conn.dead) {
      conn.dead = true;
      conn.socket.destroy();
      this.#all.delete(conn);
      const at = this.#idle.indexOf(conn);
      if (at >= 0) this.#idle.splice(at, 1);
    }
    if (call !== null) call.reject(error ?? new Http1Error('ERR_HTTP1_CLOSED', 'the connection closed before a whole answer'));
    if (this.#queue.length > 0) this.#dispatch();
  }

  /** One coarse timer checks every call in flight; cheaper than arming a timer per request. */
  #startTimer(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.#checkTimeouts(), 25);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #checkTimeouts(): void {
    const now = performance.now();
    for (const conn of [...this.#all]) {
      const call = conn.call;
      if (call !== null && now - conn.lastActivityMs >= call.request.timeoutMs)
        this.#kill(conn, new Http1Error('ETIMEDOUT', `no answer within ${call.request.timeoutMs} ms`));
    }
    // Decided after the kills: a killed call's connection may already carry a queued call.
    let busy = false;
    for (const conn of this.#all) if (conn.call !== null) busy = true;
    if (!busy) this.#stopTimer();
  }
}
