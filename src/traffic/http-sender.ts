/**
 * The HTTP sender on undici: a keep-alive `Pool` of `connections` (pipelining off) serving an
 * open-model schedule, or one `Client` per closed-loop client (`--http-client undici`; https).
 * Bodies are pre-encoded Buffers and requests go through `dispatch` with a small handler, so no
 * request/response objects or streams per call.
 */
import { Client, Pool, type Dispatcher } from 'undici';
import { classifyError, classifyStatus, FAULT_SCAN_LIMIT_CHARS } from './classify.js';
import { defaultSenderProperties, type MessageSender, type PreparedMessage, type SendDone, type SenderProperties } from './sender.js';

/** Where a message keeps its dispatch options once built. */
const wireKey = Symbol('wire');

/** Dispatch options and the message they carry, built once per message. */
interface Wire {
  readonly options: Dispatcher.DispatchOptions;
  readonly detectSoapFault: boolean;
}

function flattenHeaders(headers: Readonly<Record<string, string>>): string[] {
  const flat: string[] = [];
  for (const [name, value] of Object.entries(headers)) flat.push(name.toLowerCase(), value);
  return flat;
}

/** Handles one exchange through undici's dispatch protocol; reports once unless the sender closed. */
class Exchange implements Dispatcher.DispatchHandler {
  private status = 0;
  private faultText: string | null = null;

  constructor(
    private readonly owner: UndiciSender,
    private readonly done: SendDone,
    private readonly detectSoapFault: boolean,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    if (statusCode >= 400 && this.detectSoapFault) this.faultText = '';
    return true;
  }

  onData(chunk: Buffer): boolean {
    // Only failed answers are read: a fault is told apart from a plain HTTP error by its body.
    if (this.faultText !== null && this.faultText.length < FAULT_SCAN_LIMIT_CHARS) this.faultText += chunk.toString('latin1');
    return true;
  }

  onComplete(): void {
    if (!this.owner.closed) this.done(classifyStatus(this.status, this.faultText));
  }

  onError(error: Error): void {
    if (!this.owner.closed) this.done(classifyError(error));
  }
}

/** A `MessageSender` over undici. */
export class UndiciSender implements MessageSender {
  #properties: SenderProperties;
  #address: string | null = null;
  #origin = '';
  #dispatcher: Dispatcher | null = null;
  #wire: Wire | null = null;
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

  init(address: string): Promise<void> {
    const url = new URL(address);
    const { timeoutMs, connections } = this.#properties;
    const options = {
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs },
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    };
    this.#origin = url.origin;
    this.#dispatcher = connections > 1 ? new Pool(url.origin, { ...options, connections }) : new Client(url.origin, options);
    this.#address = address;
    const message = this.prepare(address, this.#properties.body, this.#properties.headers);
    this.#wire = this.#wireOf(message);
    return Promise.resolve();
  }

  #wireOf(message: PreparedMessage): Wire {
    return {
      options: { origin: this.#origin, path: message.path, method: message.method, headers: [...message.headers], body: message.body },
      detectSoapFault: message.detectSoapFault,
    };
  }

  prepare(url: string, body: Buffer | string | null, headers: Readonly<Record<string, string>>): PreparedMessage {
    const target = new URL(url);
    if (this.#origin !== '' && target.origin !== this.#origin) throw new Error(`message for ${target.origin} prepared on a sender for ${this.#origin}`);
    return {
      path: target.pathname + target.search,
      method: this.#properties.method,
      headers: flattenHeaders(headers),
      body: body === null ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
      detectSoapFault: this.#properties.kind === 'soap',
    };
  }

  send(done: SendDone, message?: PreparedMessage): void {
    const dispatcher = this.#dispatcher;
    const wire = message === undefined ? this.#wire : this.#cachedWire(message);
    if (dispatcher === null || wire === null) throw new Error('send() before init()');
    dispatcher.dispatch(wire.options, new Exchange(this, done, wire.detectSoapFault));
  }

  /** Messages sent again and again keep their dispatch options on a private field. */
  #cachedWire(message: PreparedMessage): Wire {
    const holder = message as PreparedMessage & { [wireKey]?: Wire };
    return (holder[wireKey] ??= this.#wireOf(message));
  }

  async close(): Promise<void> {
    this.closed = true;
    const dispatcher = this.#dispatcher;
    this.#dispatcher = null;
    if (dispatcher !== null) await dispatcher.destroy().catch(() => undefined);
  }

  clone(): MessageSender {
    return new UndiciSender(this.#properties);
  }
}
