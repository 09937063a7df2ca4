/**
 * An incremental HTTP/1.1 response parser for raw keep-alive sockets: finds the head, reads the
 * status and the framing (Content-Length, chunked, or until close) and hands body bytes to a sink
 * without buffering them. The traffic generator's socket sender and the deployment-API pool share
 * it; both measured about half the CPU per exchange of undici's dispatch on loopback, which is what
 * keeps the harness several times cheaper than the gateway it measures.
 *
 * Header names other than the framing ones are left in `head` for the owner to read if it cares.
 */

const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');
const contentLengthHeader = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?=\r\n|$)/i;
const chunkedHeader = /\r\ntransfer-encoding:[^\r]*chunked/i;
const closeHeader = /\r\nconnection:[^\r]*close/i;

/** Largest response head (or chunk-size line) accepted before the answer counts as malformed. */
export const MAX_HEAD_BYTES = 64 * 1024;

/** How the end of the body is found. */
export type Framing = 'length' | 'chunked' | 'close';
type ChunkState = 'size' | 'data' | 'data-end' | 'trailers';

/** What one `push` leaves: more bytes needed, a whole answer read, or bytes that are not HTTP/1.x. */
export type ParseState = 'more' | 'done' | 'malformed';

/** Parses one answer after another on one connection; `begin()` before each. */
export class ResponseParser {
  /** Status of the answer being read (0 until its head is read). */
  status = 0;
  /** The head up to (not including) the blank line, status line first; '' until read. */
  head = '';
  framing: Framing = 'length';
  /** The server will close after this answer (`Connection: close`, HTTP/1.0, or close framing). */
  closeAfter = false;
  /**
   * Bytes after the end of a `done` answer (a connection with leftovers is out of step). Like body
   * bytes, only valid until the next read: test it, copy it if you keep it.
   */
  rest: Buffer | null = null;
  /**
   * Receives body bytes in order; null when nobody reads them. The buffer is only valid during the
   * call (reads may share one buffer): copy what you keep.
   */
  onBody: ((data: Buffer) => void) | null = null;
  /** Called once the head of a final answer is read (status and `head` set), before its body. */
  onHead: () => void = () => undefined;

  #headBytes: Buffer | null = null;
  /**
   * The last final head read, byte for byte, with what `#readHead` made of it: a server answering
   * the same way again (the common case under load) is recognised with one compare instead of
   * decoding the head and running three header searches.
   */
  #lastHead: { bytes: Buffer; words: Int32Array; head: string; status: number; closeAfter: boolean; framing: Framing; length: number } | null = null;
  /**
   * A 32-bit view of the buffer under the last read compared, and that read's Buffer: a socket
   * reading into one buffer passes the same object every time, and asking for `.buffer` costs a
   * call into the runtime.
   */
  #wordView: Int32Array | null = null;
  #wordViewOf: Buffer | null = null;
  #inBody = false;
  #noBody = false;
  #remaining = 0;
  #chunkState: ChunkState = 'size';
  #partial: Buffer | null = null;

  /** Starts a new answer; `noBody` for answers to HEAD, which carry framing headers but no body. */
  begin(noBody = false): void {
    this.status = 0;
    this.head = '';
    this.closeAfter = false;
    this.rest = null;
    this.#headBytes = null;
    this.#inBody = false;
    this.#noBody = noBody;
    this.#partial = null;
  }

  /** True once the head of the current answer has been read. */
  get inBody(): boolean {
    return this.#inBody;
  }

  /**
   * Feeds bytes read from the socket: `chunk[start, end)`, so a caller reading into one shared
   * buffer passes it without slicing. An answer whose head is byte for byte the last one's (the
   * common case under load) is read without allocating; `onBody` is called only when set and only
   * with bytes.
   */
  push(chunk: Buffer, start = 0, end = chunk.byteLength): ParseState {
    let data = chunk;
    let at = start;
    let stop = end;
    if (!this.#inBody) {
      let bodyAt = this.#headBytes === null ? this.#sameHeadAsLast(chunk, start, end) : -1;
      if (bodyAt < 0) {
        data = this.#headBytes === null ? chunk.subarray(start, end) : Buffer.concat([this.#headBytes, chunk.subarray(start, end)]);
        stop = data.byteLength;
        const headEnd = data.indexOf(HEAD_END);
        if (headEnd < 0) {
          if (data.byteLength > MAX_HEAD_BYTES) return 'malformed';
          this.#headBytes = Buffer.from(data);
          return 'more';
        }
        if (!this.#readHead(data.toString('latin1', 0, headEnd), data.subarray(0, headEnd))) return 'malformed';
        bodyAt = headEnd + 4;
      }
      this.#headBytes = null;
      at = bodyAt;
      if (this.status < 200) {
        // An interim answer (100 Continue): the real one follows.
        this.head = '';
        return at < stop ? this.push(data, at, stop) : 'more';
      }
      this.#inBody = true;
      this.onHead();
      if (this.#noBody || this.status === 204 || this.status === 304) {
        // No body whatever the headers say: a missing length does not mean "read until close".
        if (this.framing === 'close') this.framing = 'length';
        return this.#done(data, at, stop);
      }
      if (this.framing === 'length' && this.#remaining === 0) return this.#done(data, at, stop);
    }
    if (this.framing === 'length') {
      if (stop - at < this.#remaining) {
        this.#remaining -= stop - at;
        this.#body(data, at, stop);
        return 'more';
      }
      this.#body(data, at, at + this.#remaining);
      return this.#done(data, at + this.#remaining, stop);
    }
    if (this.framing === 'close') {
      this.#body(data, at, stop);
      return 'more';
    }
    return this.#readChunks(data.subarray(at, stop));
  }

  #body(data: Buffer, from: number, to: number): void {
    if (this.onBody !== null && to > from) this.onBody(data.subarray(from, to));
  }

  /**
   * The connection ended. An answer framed by close is complete now ('done'); any other answer
   * in progress was cut short ('more' means incomplete).
   */
  end(): ParseState {
    return this.#inBody && this.framing === 'close' ? this.#done(Buffer.alloc(0), 0, 0) : 'more';
  }

  /**
   * When `data[start, end)` starts with the last head's bytes and the blank line, takes status and
   * framing from it and returns where the body starts; else -1. (The last head held no blank line,
   * so this is the first one in `data` too.)
   */
  #sameHeadAsLast(data: Buffer, start: number, end: number): number {
    const last = this.#lastHead;
    if (last === null) return -1;
    const headEnd = start + last.bytes.byteLength;
    if (end < headEnd + 4 || data[headEnd] !== 13 || data[headEnd + 1] !== 10 || data[headEnd + 2] !== 13 || data[headEnd + 3] !== 10) return -1;
    if (!this.#sameBytes(data, start, last.bytes, last.words)) return -1;
    this.status = last.status;
    this.head = last.head;
    this.closeAfter = last.closeAfter;
    this.#setFraming(last.framing, last.length);
    return headEnd + 4;
  }

  /**
   * `data` holds `bytes` from `start`. Where that is 4-byte aligned (always, for a socket reading
   * into its own buffer) the head is compared as 32-bit words in JavaScript: about 40 ns for a
   * 90-byte head against 95 ns through `Buffer.compare`, whose call into C++ was 1.5 % of the burst
   * generator's CPU (perf, docs/performance.md).
   */
  #sameBytes(data: Buffer, start: number, bytes: Buffer, words: Int32Array): boolean {
    const offset = data.byteOffset + start;
    if ((offset & 3) !== 0) return data.compare(bytes, 0, bytes.byteLength, start, start + bytes.byteLength) === 0;
    let view = this.#wordView;
    if (view === null || this.#wordViewOf !== data) {
      view = new Int32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
      this.#wordView = view;
      this.#wordViewOf = data;
    }
    const first = offset >>> 2;
    const wordCount = words.length;
    for (let i = 0; i < wordCount; i++) if (view[first + i] !== words[i]) return false;
    const byteCount = bytes.length;
    for (let i = wordCount * 4; i < byteCount; i++) if (data[start + i] !== bytes[i]) return false;
    return true;
  }

  /** Reads status and framing from `head` (decoded from `bytes`); false when the head is not HTTP/1.x. */
  #readHead(head: string, bytes: Buffer): boolean {
    if (!head.startsWith('HTTP/1.')) return false;
    const status = Number(head.slice(9, 12));
    if (!Number.isInteger(status) || status < 100) return false;
    this.status = status;
    this.head = head;
    if (status < 200) return true;
    this.closeAfter = closeHeader.test(head) || head.startsWith('HTTP/1.0');
    const length = contentLengthHeader.exec(head);
    const framing: Framing = chunkedHeader.test(head) ? 'chunked' : length === null ? 'close' : 'length';
    const bodyLength = framing === 'length' && length !== null ? Number(length[1]) : 0;
    this.#setFraming(framing, bodyLength);
    // Copied: `bytes` may lie in a read buffer that the next read overwrites.
    const words = new Int32Array(bytes.byteLength >> 2);
    new Uint8Array(words.buffer).set(bytes.subarray(0, words.byteLength));
    this.#lastHead = { bytes: Buffer.from(bytes), words, head, status, closeAfter: this.closeAfter, framing, length: bodyLength };
    return true;
  }

  #setFraming(framing: Framing, length: number): void {
    this.framing = framing;
    this.#remaining = length;
    if (framing === 'chunked') this.#chunkState = 'size';
  }

  /** Chunked transfer coding: size line, data, CRLF … a zero size, trailers, blank line. */
  #readChunks(input: Buffer): ParseState {
    let data = this.#partial === null ? input : Buffer.concat([this.#partial, input]);
    this.#partial = null;
    for (;;) {
      if (this.#chunkState === 'data') {
        if (data.byteLength < this.#remaining) {
          this.#remaining -= data.byteLength;
          this.#body(data, 0, data.byteLength);
          return 'more';
        }
        this.#body(data, 0, this.#remaining);
        data = data.subarray(this.#remaining);
        this.#chunkState = 'data-end';
      }
      const lineEnd = data.indexOf(CRLF);
      if (lineEnd < 0) {
        if (data.byteLength > MAX_HEAD_BYTES) return 'malformed';
        this.#partial = data.byteLength > 0 ? Buffer.from(data) : null;
        return 'more';
      }
      const line = data.toString('latin1', 0, lineEnd);
      data = data.subarray(lineEnd + 2);
      if (this.#chunkState === 'data-end') {
        if (line !== '') return 'malformed';
        this.#chunkState = 'size';
      } else if (this.#chunkState === 'size') {
        const size = parseInt(line, 16);
        if (!Number.isFinite(size) || size < 0) return 'malformed';
        if (size === 0) this.#chunkState = 'trailers';
        else {
          this.#remaining = size;
          this.#chunkState = 'data';
        }
      } else if (line === '') {
        return this.#done(data, 0, data.byteLength);
      }
    }
  }

  /** The answer ended; `data[at, end)` are the bytes after it. */
  #done(data: Buffer, at: number, end: number): ParseState {
    if (this.framing === 'close') this.closeAfter = true;
    this.rest = at < end ? data.subarray(at, end) : null;
    this.#inBody = false;
    return 'done';
  }
}

/** The head's header fields as a record: names in lower case, repeated fields joined with `, `. */
export function headerFields(head: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const lines = head.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = fields[name];
    fields[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return fields;
}
