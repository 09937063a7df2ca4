/**
 * The HTTP sender on undici: a keep-alive `Pool` of `connections` (pipelining off) serving an
 * open-model schedule, or one `Client` per closed-loop client (`--http-client undici`; https).
 * Bodies are pre-encoded Buffers and requests go through `dispatch` with a small handler, so no
 * request/response objects or streams per call.
 */
import { Client, Pool, type Dispatcher } from 'undici';
import { classifyError, classifyStatus, FAULT_SCAN_LIMIT_CHARS } from './classify.js';
import { BaseSender, type MessageSender, type PreparedMessage, type SendDone } from './sender.js';

/** Where a message keeps its dispatch options once built. */
const wireKey = Symbol('wire');

/** Dispatch options and the message they carry, built once per message. */
interface Wire {
  readonly options: Dispatcher.DispatchOptions;
  readonly detectSoapFault: boolean;
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
export class UndiciSender extends BaseSender {
  #dispatcher: Dispatcher | null = null;
  #wire: Wire | null = null;

  init(address: string): Promise<void> {
    const url = this.bind(address);
    const { timeoutMs, connections } = this.properties;
    const options = {
      pipelining: 1,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: timeoutMs },
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 600_000,
    };
    this.#dispatcher = connections > 1 ? new Pool(url.origin, { ...options, connections }) : new Client(url.origin, options);
    const message = this.prepare(address, this.properties.body, this.properties.headers);
    this.#wire = this.#wireOf(message);
    return Promise.resolve();
  }

  #wireOf(message: PreparedMessage): Wire {
    return {
      options: { origin: this.origin, path: message.path, method: message.method, headers: [...message.headers], body: message.body },
      detectSoapFault: message.detectSoapFault,
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
    return new UndiciSender(this.properties);
  }
}
