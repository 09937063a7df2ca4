/**
 * The closed-loop sender: one keep-alive TCP connection, one request at a time (pipelining off).
 * Each message is encoded once into a single Buffer (request line, headers and body) and sent with
 * one write; answers are framed by Content-Length or chunked encoding with a minimal parser that
 * only reads the status line and the framing headers. Per request this costs about half the CPU of
 * undici's dispatch, which is what lets the generator outrun the gateway instead of measuring itself.
 *
 * http: only; TLS targets and open-model pools use the undici sender.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { classifyError, classifyStatus, FAULT_SCAN_LIMIT_CHARS } from './classify.js';
import { defaultSenderProperties, type MessageSender, type PreparedMessage, type SendDone, type SenderProperties } from './sender.js';

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const contentLengthHeader = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i;
const chunkedHeader = /\r\ntransfer-encoding:[^\r]*chunked/i;
const closeHeader = /\r\nconnection:[^\r]*close/i;
/**
 * One read buffer for every socket of the thread (net's `onread`): reads skip the stream machinery
 * and allocate nothing. Safe to share because each read is parsed synchronously before the next;
 * anything kept past a read (a partial head or chunk line) is copied.
 */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/** Largest response head accepted before the answer counts as malformed. */
const MAX_HEAD_BYTES = 64 * 1024;

/** Why a pending request failed without an answer from the socket itself. */
const resetError = Object.assign(new Error('connection closed before the answer was complete'), { code: 'ECONNRESET' });
const malformedError = Object.assign(new Error('malformed HTTP answer'), { code: 'HPE_MALFORMED' });

type Framing = 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailers';

interface Pending {
  readonly done: SendDone;
  readonly detectSoapFault: boolean;
  readonly noBody: boolean;
}

const encodedKey = Symbol('encoded');

/** A `MessageSender` on one raw keep-alive socket. */
export class SocketSender implements MessageSender {
  #properties: SenderProperties;
  #address: string | null = null;
  #host = '';
  #port = 0;
  #hostHeader = '';
  #origin = '';
  #message: PreparedMessage | null = null;
  #socket: Socket | null = null;
  #pending: Pending | null = null;
  #queue: { done: SendDone; message: PreparedMessage }[] = [];
  closed = false;
  /** performance.now() of the last write or read while a request waits; checked by a coarse timer. */
  #lastActivityMs = 0;
  #timeoutTimer: NodeJS.Timeout | null = null;

  // Parser state of the answer being read.
  #head: Buffer | null = null;
  #inBody = false;
  #status = 0;
  #framing: Framing = 'length';
  #remaining = 0;
  #chunkState: ChunkState = 'size';
  #partial: Buffer | null = null;
  #closeAfter = false;
  #faultText: string | null = null;

  constructor(properties: Partial<SenderProperties> = {}) {
    this.#properties = Object.freeze({ ...defaultSenderProperties, ...properties });
  }

  get properties(): Readonly<SenderProperties> {
    return this.#properties;
  }

  get address(): string | null {
    return this.#address;
  }

  configure(properties: Partial<SenderProperties>): void {
    if (this.#address !== null) throw new Error('configure() after init(): clone the sender instead');
    this.#properties = Object.freeze({ ...this.#properties, ...properties });
  }

  init(address: string): Promise<void> {
    const url = new URL(address);
    if (url.protocol !== 'http:') throw new Error(`the socket sender speaks plain http, not ${url.protocol}`);
    if (this.#properties.connections !== 1) throw new Error('the socket sender holds exactly one connection');
    this.#host = url.hostname.replace(/^\[|\]$/g, '');
    this.#port = url.port === '' ? 80 : Number(url.port);
    this.#hostHeader = url.host;
    this.#origin = url.origin;
    this.#address = address;
    this.#message = this.prepare(address, this.#properties.body, this.#properties.headers);
    // One coarse timer instead of socket.setTimeout: re-arming a timer on every read and write costs more than the check.
    const timeoutMs = this.#properties.timeoutMs;
    this.#timeoutTimer = setInterval(() => this.#checkTimeout(), Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))));
    this.#timeoutTimer.unref();
    return Promise.resolve();
  }

  #checkTimeout(): void {
    if (this.#pending !== null && performance.now() - this.#lastActivityMs >= this.#properties.timeoutMs) {
      this.#fail(Object.assign(new Error(`no answer within ${this.#properties.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }
  }

  prepare(url: string, body: Buffer | string | null, headers: Readonly<Record<string, string>>): PreparedMessage {
    const target = new URL(url);
    if (this.#origin !== '' && target.origin !== this.#origin) throw new Error(`message for ${target.origin} prepared on a sender for ${this.#origin}`);
    const flat: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (lower !== 'content-length' && lower !== 'connection' && lower !== 'transfer-encoding') flat.push(lower, value);
    }
    return {
      path: target.pathname + target.search,
      method: this.#properties.method,
      headers: flat,
      body: body === null ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      detectSoapFault: this.#properties.kind === 'soap',
    };
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
    if (this.#pending !== null) {
      // Pipelining is off: a second request waits for the first answer.
      this.#queue.push({ done, message: chosen });
      return;
    }
    this.#write(done, chosen);
  }

  #write(done: SendDone, message: PreparedMessage): void {
    this.#pending = { done, detectSoapFault: message.detectSoapFault, noBody: message.method === 'HEAD' };
    this.#lastActivityMs = performance.now();
    this.#resetParser();
    (this.#socket ?? this.#connect()).write(this.#encoded(message));
  }

  #connect(): Socket {
    const socket: Socket = connect({
      host: this.#host,
      port: this.#port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (bytes: number, buffer: Uint8Array): boolean => {
          if (socket !== this.#socket) return true;
          this.#lastActivityMs = performance.now();
          this.#onData((buffer as Buffer).subarray(0, bytes));
          return true;
        },
      },
    });
    socket.on('error', (error) => {
      if (socket === this.#socket) this.#fail(error);
    });
    socket.on('close', () => {
      if (socket !== this.#socket) return;
      if (this.#pending !== null && this.#inBody && this.#framing === 'close') this.#complete();
      else if (this.#pending !== null) this.#fail(resetError);
      else this.#socket = null;
    });
    this.#socket = socket;
    return socket;
  }

  #resetParser(): void {
    this.#head = null;
    this.#inBody = false;
    this.#status = 0;
    this.#partial = null;
    this.#faultText = null;
  }

  #onData(chunk: Buffer): void {
    // Bytes nobody asked for: the connection is out of step, so it is dropped.
    if (this.#pending === null) return this.#drop();
    let data = chunk;
    if (!this.#inBody) {
      data = this.#head === null ? chunk : Buffer.concat([this.#head, chunk]);
      const end = data.indexOf(HEAD_END);
      if (end < 0) {
        if (data.byteLength > MAX_HEAD_BYTES) return this.#fail(malformedError);
        this.#head = Buffer.from(data);
        return;
      }
      if (!this.#readHead(data.toString('latin1', 0, end))) return this.#fail(malformedError);
      this.#head = null;
      data = data.subarray(end + 4);
      if (this.#status < 200) {
        // An interim answer (100 Continue): the real one follows.
        if (data.byteLength > 0) this.#onData(data);
        return;
      }
      this.#inBody = true;
      if (this.#pending.noBody || this.#status === 204 || this.#status === 304 || (this.#framing === 'length' && this.#remaining === 0)) return this.#complete(data);
    }
    this.#readBody(data);
  }

  /** Reads status and framing; false when the head is not HTTP/1.x. */
  #readHead(head: string): boolean {
    if (!head.startsWith('HTTP/1.')) return false;
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100) return false;
    this.#status = status;
    if (status < 200) return true;
    this.#closeAfter = closeHeader.test(head) || head.startsWith('HTTP/1.0');
    if (chunkedHeader.test(head)) {
      this.#framing = 'chunked';
      this.#chunkState = 'size';
      this.#remaining = 0;
    } else {
      const length = contentLengthHeader.exec(head);
      this.#framing = length === null ? 'close' : 'length';
      this.#remaining = length === null ? 0 : Number(length[1]);
    }
    if (this.#status >= 400 && this.#pending?.detectSoapFault === true) this.#faultText = '';
    return true;
  }

  #keep(data: Buffer): void {
    if (this.#faultText !== null && this.#faultText.length < FAULT_SCAN_LIMIT_CHARS) this.#faultText += data.toString('latin1');
  }

  #readBody(data: Buffer): void {
    if (this.#framing === 'length') {
      if (data.byteLength < this.#remaining) {
        this.#remaining -= data.byteLength;
        this.#keep(data);
        return;
      }
      this.#keep(data.subarray(0, this.#remaining));
      return this.#complete(data.subarray(this.#remaining));
    }
    if (this.#framing === 'close') {
      this.#keep(data);
      return;
    }
    this.#readChunks(data);
  }

  /** Chunked transfer coding: size line, data, CRLF … a zero size, trailers, blank line. */
  #readChunks(input: Buffer): void {
    let data = this.#partial === null ? input : Buffer.concat([this.#partial, input]);
    this.#partial = null;
    for (;;) {
      if (this.#chunkState === 'data') {
        if (data.byteLength < this.#remaining) {
          this.#remaining -= data.byteLength;
          this.#keep(data);
          return;
        }
        this.#keep(data.subarray(0, this.#remaining));
        data = data.subarray(this.#remaining);
        this.#chunkState = 'data-end';
      }
      const lineEnd = data.indexOf(CRLF);
      if (lineEnd < 0) {
        if (data.byteLength > MAX_HEAD_BYTES) return this.#fail(malformedError);
        this.#partial = data.byteLength > 0 ? Buffer.from(data) : null;
        return;
      }
      const line = data.toString('latin1', 0, lineEnd);
      data = data.subarray(lineEnd + 2);
      if (this.#chunkState === 'data-end') {
        if (line !== '') return this.#fail(malformedError);
        this.#chunkState = 'size';
      } else if (this.#chunkState === 'size') {
        const size = parseInt(line, 16);
        if (!Number.isFinite(size) || size < 0) return this.#fail(malformedError);
        if (size === 0) this.#chunkState = 'trailers';
        else {
          this.#remaining = size;
          this.#chunkState = 'data';
        }
      } else if (line === '') {
        return this.#complete(data);
      }
    }
  }

  #complete(rest?: Buffer): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    const kind = classifyStatus(this.#status, this.#faultText);
    // Leftover bytes or `Connection: close` mean the connection cannot carry the next request.
    if (this.#closeAfter || this.#framing === 'close' || (rest !== undefined && rest.byteLength > 0)) this.#drop();
    this.#resetParser();
    if (!this.closed) pending.done(kind);
    this.#next();
  }

  #fail(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#drop();
    this.#resetParser();
    if (pending !== null && !this.closed) pending.done(classifyError(error));
    this.#next();
  }

  #next(): void {
    const queued = this.#queue.shift();
    if (queued !== undefined && !this.closed && this.#pending === null) this.#write(queued.done, queued.message);
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
    return new SocketSender(this.#properties);
  }
}
