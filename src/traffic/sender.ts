/**
 * The message sender contract every generator drives: configure it with properties, init it
 * against an address, send, close, and clone it for another client (same properties, its own
 * connections). Senders call back instead of returning promises: the hot path allocates little.
 */
import type { TrafficErrorKind } from './result.js';

/** `socket`: one raw keep-alive connection per client; `undici`: undici Client/Pool. */
export type HttpClientKind = 'socket' | 'undici';

/** Every `HttpClientKind`, for the option table. */
export const httpClientKinds: readonly HttpClientKind[] = ['socket', 'undici'];

/** Called once per send: null on success, else the error kind. */
export type SendDone = (kind: TrafficErrorKind | null) => void;

/** What a sender puts on the wire, prepared once (body pre-encoded, headers flattened). */
export interface PreparedMessage {
  /** Path and query on the sender's origin. */
  readonly path: string;
  readonly method: string;
  /** Flat `[name, value, name, value, …]`, lower-case names. */
  readonly headers: readonly string[];
  readonly body: Buffer | null;
  /** Read 4xx/5xx bodies and count a SOAP Fault as `soap-fault` instead of an HTTP error. */
  readonly detectSoapFault: boolean;
}

/** Properties a sender is configured with. JSON-friendly apart from the body. */
export interface SenderProperties {
  /** `soap` senders detect faults; `http` senders send the body as given. */
  readonly kind: 'http' | 'soap';
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | null;
  /** No answer (headers or next body chunk) within this many ms counts as `timeout`. */
  readonly timeoutMs: number;
  /** Connections the sender may open to its origin: 1 for a closed-loop client, more for an open-model pool. */
  readonly connections: number;
}

/** A pluggable message sender; one per client (clone it for the next). */
export interface MessageSender {
  readonly properties: Readonly<SenderProperties>;
  /** The URL given to `init`; null before. */
  readonly address: string | null;
  /** Changes properties; only before `init`. */
  configure(properties: Partial<SenderProperties>): void;
  /** Binds the sender to a URL (connections open lazily on the first send). */
  init(address: string): Promise<void>;
  /** Sends the configured message, or `message` (prepared for the same origin), and calls `done` once. */
  send(done: SendDone, message?: PreparedMessage): void;
  /** Prepares another message for this sender's origin (e.g. another operation of the same gateway). */
  prepare(url: string, body: Buffer | string | null, headers: Readonly<Record<string, string>>): PreparedMessage;
  /** Closes connections; requests still in flight are abandoned and do not call back. */
  close(): Promise<void>;
  /** A new, un-initialised sender with the same properties (for another client). */
  clone(): MessageSender;
}

/** Defaults for a plain HTTP POST sender. */
export const defaultSenderProperties: SenderProperties = Object.freeze({
  kind: 'http',
  method: 'POST',
  headers: Object.freeze({}),
  body: null,
  timeoutMs: 10_000,
  connections: 1,
});

/**
 * What every sender does alike: hold its properties (changeable until `init`), remember the address
 * and origin it is bound to, and prepare messages for that origin.
 */
export abstract class BaseSender implements MessageSender {
  #properties: SenderProperties;
  #address: string | null = null;
  /** Origin of the bound address; '' before `init`. */
  protected origin = '';
  /** Set by `close`; in-flight exchanges stop reporting. */
  closed = false;

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

  /** Binds to `address`; returns its URL for the sender's own set-up. */
  protected bind(address: string): URL {
    const url = new URL(address);
    this.origin = url.origin;
    this.#address = address;
    return url;
  }

  prepare(url: string, body: Buffer | string | null, headers: Readonly<Record<string, string>>): PreparedMessage {
    const target = new URL(url);
    if (this.origin !== '' && target.origin !== this.origin) throw new Error(`message for ${target.origin} prepared on a sender for ${this.origin}`);
    return {
      path: target.pathname + target.search,
      method: this.#properties.method,
      headers: this.flattenHeaders(headers),
      body: body === null ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      detectSoapFault: this.#properties.kind === 'soap',
    };
  }

  /** Headers as `[name, value, …]` with lower-case names; a sender drops what it writes itself. */
  protected flattenHeaders(headers: Readonly<Record<string, string>>): string[] {
    const flat: string[] = [];
    for (const [name, value] of Object.entries(headers)) flat.push(name.toLowerCase(), value);
    return flat;
  }

  abstract init(address: string): Promise<void>;
  abstract send(done: SendDone, message?: PreparedMessage): void;
  abstract close(): Promise<void>;
  abstract clone(): MessageSender;
}
