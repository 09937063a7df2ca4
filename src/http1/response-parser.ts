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
   * Receives body bytes in order. The buffer is only valid during the call (reads may share one
   * buffer): copy what you keep.
   */
  onBody: (data: Buffer) => void = () => undefined;
  /** Called once the head of a final answer is read (status and `head` set), before its body. */
  onHead: () => void = () => undefined;

  #headBytes: Buffer | null = null;
  /**
   * The last final head read, byte for byte, with what `#readHead` made of it: a server answering
   * the same way again (the common case under load) is recognised with one compare instead of
   * decoding the head and running three header searches.
   */
  #lastHead: { bytes: Buffer; head: string; status: number; closeAfter: boolean; framing: Framing; length: number } | null = null;
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

  /** Feeds bytes read from the socket. */
  push(chunk: Buffer): ParseState {
    let data = chunk;
    if (!this.#inBody) {
      data = this.#headBytes === null ? chunk : Buffer.concat([this.#headBytes, chunk]);
      let end = this.#sameHeadAsLast(data);
      if (end < 0) {
        end = data.indexOf(HEAD_END);
        if (end < 0) {
          if (data.byteLength > MAX_HEAD_BYTES) return 'malformed';
          this.#headBytes = Buffer.from(data);
          return 'more';
        }
        if (!this.#readHead(data.toString('latin1', 0, end), data.subarray(0, end))) return 'malformed';
      }
      this.#headBytes = null;
      data = data.subarray(end + 4);
      if (this.status < 200) {
        // An interim answer (100 Continue): the real one follows.
        this.head = '';
        return data.byteLength > 0 ? this.push(data) : 'more';
      }
      this.#inBody = true;
      this.onHead();
      if (this.#noBody || this.status === 204 || this.status === 304) {
        // No body whatever the headers say: a missing length does not mean "read until close".
        if (this.framing === 'close') this.framing = 'length';
        return this.#done(data);
      }
      if (this.framing === 'length' && this.#remaining === 0) return this.#done(data);
    }
    if (this.framing === 'length') {
      if (data.byteLength < this.#remaining) {
        this.#remaining -= data.byteLength;
        this.onBody(data);
        return 'more';
      }
      this.onBody(data.subarray(0, this.#remaining));
      return this.#done(data.subarray(this.#remaining));
    }
    if (this.framing === 'close') {
      this.onBody(data);
      return 'more';
    }
    return this.#readChunks(data);
  }

  /**
   * The connection ended. An answer framed by close is complete now ('done'); any other answer
   * in progress was cut short ('more' means incomplete).
   */
  end(): ParseState {
    return this.#inBody && this.framing === 'close' ? this.#done(Buffer.alloc(0)) : 'more';
  }

  /**
   * When `data` starts with the last head's bytes and the blank line, takes status and framing from
   * it and returns the head's length; else -1. (The last head held no blank line, so this is the
   * first one in `data` too.)
   */
  #sameHeadAsLast(data: Buffer): number {
    const last = this.#lastHead;
    if (last === null) return -1;
    const end = last.bytes.byteLength;
    if (data.byteLength < end + 4 || data[end] !== 13 || data[end + 1] !== 10 || data[end + 2] !== 13 || data[end + 3] !== 10) return -1;
    if (data.compare(last.bytes, 0, end, 0, end) !== 0) return -1;
    this.status = last.status;
    this.head = last.head;
    this.closeAfter = last.closeAfter;
    this.#setFraming(last.framing, last.length);
    return end;
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
    this.#lastHead = { bytes: Buffer.from(bytes), head, status, closeAfter: this.closeAfter, framing, length: bodyLength };
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
          this.onBody(data);
          return 'more';
        }
        this.onBody(data.subarray(0, this.#remaining));
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
        return this.#done(data);
      }
    }
  }

  #done(rest: Buffer): ParseState {
    if (this.framing === 'close') this.closeAfter = true;
    this.rest = rest.byteLength > 0 ? rest : null;
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
