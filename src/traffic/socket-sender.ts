/**
 * The closed-loop sender: one keep-alive TCP connection, one request at a time (pipelining off).
 * Each message is encoded once into a single Buffer (request line, headers and body) and sent with
 * one write; answers are framed by the shared `ResponseParser` (Content-Length, chunked or close),
 * which reads only the status line and the framing headers. Per request this costs about half the CPU of
 * undici's dispatch, which is what lets the generator outrun the gateway instead of measuring itself.
 *
 * http: only; TLS targets and open-model pools use the undici sender.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ResponseParser } from '../http1/response-parser.js';
import { classifyError, classifyStatus, FAULT_SCAN_LIMIT_CHARS } from './classify.js';
import { BaseSender, type MessageSender, type PreparedMessage, type SendDone, type SenderProperties } from './sender.js';

/**
 * One read buffer for every socket of the thread (net's `onread`): reads skip the stream machinery
 * and allocate nothing. Safe to share because each read is parsed synchronously before the next;
 * anything kept past a read (a partial head or chunk line) is copied.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Why a pending request failed without an answer from the socket itself. */
const resetError = Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' });
const malformedError = Object.assign(new Error('malformed HTTP answer'), { code: 'HPE_MALFORMED' });

const encodedKey = Symbol('encoded');
/** Headers the socket sender writes itself (or never): a caller's are dropped. */
const ownHeaders = new Set(['content-length', 'connection', 'transfer-encoding']);

/** A `MessageSender` on one raw keep-alive socket. */
export class SocketSender extends BaseSender {
  #host = '';
  #port = 0;
  #hostHeader = '';
  #message: PreparedMessage | null = null;
  #socket: Socket | null = null;
  /** The request waiting for its answer (kept as two fields: no object per request). */
  #pending: SendDone | null = null;
  #detectSoapFault = false;
  #queue: { done: SendDone; message: PreparedMessage }[] = [];
  /**
   * Writes and reads so far. A coarse timer notes when it last changed, so the hot path counts
   * instead of reading the clock; a timeout is seen at most two ticks late (a quarter of it from
   * 80 ms up; ticks are at least 10 ms apart) and never early.
   */
  #activity = 0;
  #activitySeen = -1;
  #quietSinceMs = 0;
  #timeoutTimer: NodeJS.Timeout | null = null;

  readonly #parser = new ResponseParser();
  /** Body text of an error answer, kept (up to a limit) to tell a SOAP fault; null when not kept. */
  #faultText: string | null = null;

  constructor(properties: Partial<SenderProperties> = {}) {
    super(properties);
    // Body bytes are read only from an error answer that may hold a SOAP fault; a parser without a
    // body sink frames the others without slicing a buffer for them.
    const collectFault = (data: Buffer): void => {
      if (this.#faultText !== null && this.#faultText.length < FAULT_SCAN_LIMIT_CHARS) this.#faultText += data.toString('latin1');
    };
    this.#parser.onHead = () => {
      const keep = this.#parser.status >= 400 && this.#pending !== null && this.#detectSoapFault;
      this.#faultText = keep ? '' : null;
      this.#parser.onBody = keep ? collectFault : null;
    };
  }

  init(address: string): Promise<void> {
    const protocol = new URL(address).protocol;
    if (protocol !== 'http:') throw new Error(`the socket sender speaks plain http, not ${protocol}`);
    if (this.properties.connections !== 1) throw new Error('the socket sender holds exactly one connection');
    const url = this.bind(address);
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = url.port === '' ? 80 : Number(url.port);
    this.#hostHeader = url.host;
    this.#message = this.prepare(address, this.properties.body, this.properties.headers);
    // One coarse timer instead of socket.setTimeout: re-arming a timer on every read and write costs more than the check.
    const timeoutMs = this.properties.timeoutMs;
    this.#timeoutTimer = setInterval(() => this.#checkTimeout(), Math.max(10, Math.min(500, Math.floor(timeoutMs / 8))));
    this.#timeoutTimer.unref();
    return Promise.resolve();
  }

  #checkTimeout(): void {
    const now = performance.now();
    if (this.#pending === null || this.#activity !== this.#activitySeen) {
      this.#activitySeen = this.#activity;
      this.#quietSinceMs = now;
      return;
    }
    const timeoutMs = this.properties.timeoutMs;
    if (now - this.#quietSinceMs >= timeoutMs) this.#fail(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
  }

  /** Framing headers are the sender's own: it writes content-length and keeps the connection. */
  protected override flattenHeaders(headers: Readonly<Record<string, string>>): string[] {
    const flat: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (!ownHeaders.has(lower)) flat.push(lower, value);
    }
    return flat;
  }

  /** The whole request as one Buffer, encoded on first use and kept on the message. */
  #encoded(message: PreparedMessage): Buffer {
    const holder = message as PreparedMessage & { [encodedKey]?: Buffer };
    const cached = holder[encodedKey];
    if (cached !== undefined) return cached;
    let head = `${message.method} ${message.path} HTTP/1.1\r\n`;
    let hasHost = false;
    for (let i = 0; i + 1 < message.headers.length; i += 2) {
      const name = message.headers[i] as string;
      const value = message.headers[i + 1] as string;
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${JSON.stringify(name)} holds a line break`);
      if (name === 'host') hasHost = true;
      head += `${name}: ${value}\r\n`;
    }
    if (!hasHost) head += `host: ${this.#hostHeader}\r\n`;
    const bodyBytes = message.body ?? Buffer.alloc(0);
    if (message.body !== null || message.method === 'POST' || message.method === 'PUT') head += `content-length: ${bodyBytes.byteLength}\r\n`;
    head += '\r\n';
    const encoded = Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]);
    holder[encodedKey] = encoded;
    return encoded;
  }

  send(done: SendDone, message?: PreparedMessage): void {
    const chosen = message ?? this.#message;
    if (chosen === null || this.closed) throw new Error(this.closed ? 'send() after close()' : 'send() before init()');
    if (this.#pending !== null || this.#queue.length > 0) {
      // Pipelining is off: a second request waits for the first answer, behind any queued before it.
      this.#queue.push({ done, message: chosen });
      return;
    }
    this.#write(done, chosen);
  }

  #write(done: SendDone, message: PreparedMessage): void {
    this.#pending = done;
    this.#detectSoapFault = message.detectSoapFault;
    this.#activity++;
    this.#parser.begin(message.method === 'HEAD');
    this.#faultText = null;
    (this.#socket ?? this.#connect()).write(this.#encoded(message));
  }

  #connect(): Socket {
    const socket: Socket = connect({
      host: this.#host,
      port: this.#port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number): boolean => {
          if (socket !== this.#socket) return true;
          this.#activity++;
          this.#onData(bytes);
          return true;
        },
      },
    });
    socket.on('error', (error) => {
      if (socket === this.#socket) this.#fail(error);
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      if (this.#pending !== null && this.#parser.end() === 'done') this.#complete();
      else if (this.#pending !== null) this.#fail(resetError);
      else this.#socket = null;
    });
    this.#socket = socket;
    return socket;
  }

  /** `bytes` were read into the shared read buffer. */
  #onData(bytes: number): void {
    // Bytes nobody asked for: the connection is out of step, so it is dropped.
    if (this.#pending === null) return this.#drop();
    const state = this.#parser.push(readBuffer, 0, bytes);
    if (state === 'malformed') return this.#fail(malformedError);
    if (state === 'done') this.#complete();
  }

  #complete(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    const kind = classifyStatus(this.#parser.status, this.#faultText);
    // Leftover bytes or `Connection: close` mean the connection cannot carry the next request.
    if (this.#parser.closeAfter || this.#parser.rest !== null) this.#drop();
    this.#faultText = null;
    if (!this.closed) pending(kind);
    this.#next();
  }

  #fail(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#drop();
    this.#faultText = null;
    if (pending !== null && !this.closed) pending(classifyError(error));
    this.#next();
  }

  /** Sends the oldest queued request, unless one is in flight again (a done callback may have sent). */
  #next(): void {
    if (this.closed || this.#pending !== null) return;
    const queued = this.#queue.shift();
    if (queued !== undefined) this.#write(queued.done, queued.message);
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.destroy();
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.#timeoutTimer !== null) clearInterval(this.#timeoutTimer);
    this.#queue = [];
    this.#pending = null;
    this.#drop();
    return Promise.resolve();
  }

  clone(): MessageSender {
    return new SocketSender(this.properties);
  }
}
