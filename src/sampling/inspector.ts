/**
 * The V8 heap of any Node.js process, read from outside through its inspector (the Chrome DevTools
 * Protocol over a WebSocket; the process runs with `--inspect=127.0.0.1:PORT`): force a full GC with
 * `HeapProfiler.collectGarbage`, then `Runtime.getHeapUsage`. Nothing is loaded into the process,
 * so it serves gateways written in Node.js that have no memory endpoint of their own (Node-RED).
 */
import { WebSocket } from 'undici';
import { gatewayError, messageOf } from '../errors.js';
import { readProcessUsage } from './process-usage.js';
import type { MemoryReading, MemorySource } from './source.js';

/** One open DevTools-protocol session with a process's inspector. */
export interface InspectorSession {
  /** Sends one command and resolves with its result; rejects on a protocol error, a closed socket or after `timeoutMs`. */
  call<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  close(): void;
  isOpen(): boolean;
}

/** `Debugger listening on ws://127.0.0.1:9229/<uuid>`, as Node.js writes it to stderr at start; null for other lines. */
export function inspectorUrlFromLine(line: string): string | null {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(line);
  return m?.[1] ?? null;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Opens a session on `url` (`ws://127.0.0.1:PORT/<uuid>`); only loopback URLs are accepted by the callers that start the process. */
export function openInspector(url: string, timeoutMs = 10_000): Promise<InspectorSession> {
  return new Promise((resolveOpen, rejectOpen) => {
    const socket = new WebSocket(url);
    const pending = new Map<number, Pending>();
    let nextId = 1;
    let open = false;
    const failAll = (why: string): void => {
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new Error(why));
        pending.delete(id);
      }
    };
    const openTimer = setTimeout(() => {
      socket.close();
      rejectOpen(new Error(`the inspector at ${url} did not accept a session within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.addEventListener('open', () => {
      open = true;
      clearTimeout(openTimer);
      resolveOpen(session);
    });
    socket.addEventListener('error', () => {
      clearTimeout(openTimer);
      if (!open) rejectOpen(new Error(`could not open the inspector at ${url}`));
    });
    socket.addEventListener('close', () => {
      open = false;
      failAll('the inspector session closed');
    });
    socket.addEventListener('message', (event: { data: unknown }) => {
      if (typeof event.data !== 'string') return;
      let message: { id?: number; result?: unknown; error?: { message?: string } };
      try {
        message = JSON.parse(event.data) as typeof message;
      } catch {
        return;
      }
      if (message.id === undefined) return; // an event; none is subscribed to
      const p = pending.get(message.id);
      if (p === undefined) return;
      pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.error !== undefined) p.reject(new Error(message.error.message ?? 'protocol error'));
      else p.resolve(message.result ?? {});
    });
    const session: InspectorSession = {
      call<T>(method: string, params: Record<string, unknown> = {}, callTimeoutMs = 60_000): Promise<T> {
        if (!open) return Promise.reject(new Error('the inspector session is closed'));
        const id = nextId++;
        return new Promise<T>((resolve, reject) => {
          const timer = setTimeout(() => {
            pending.delete(id);
            reject(new Error(`${method} got no answer within ${callTimeoutMs} ms`));
          }, callTimeoutMs);
          pending.set(id, { resolve: resolve, reject, timer });
          socket.send(JSON.stringify({ id, method, params }));
        });
      },
      close(): void {
        failAll('the inspector session closed');
        if (open) socket.close();
        open = false;
      },
      isOpen: () => open,
    };
  });
}

export interface V8InspectorSourceOptions {
  /** The session now (a restarted gateway has a new one); null when the process is not running. */
  readonly session: () => InspectorSession | null;
  /** The process, for the RSS read beside the heap; null when it is not running. */
  readonly pid: () => number | null;
  /** What the process is, for messages (`Node-RED`). */
  readonly what: string;
  /** Force a full GC before reading (a live-set reading); default true. */
  readonly forceGc?: boolean;
  /** Timeout of one protocol call; a GC of a large heap takes seconds. */
  readonly timeoutMs?: number;
}

/**
 * The V8 heap in use as a memory source: `v8-heap-after-gc` (after `HeapProfiler.collectGarbage`,
 * twice: the first pass can leave objects that only weak callbacks of that pass freed) or, without
 * `forceGc`, `v8-heap-used` as it stands (cheap enough to sample while a deploy runs). `extra`
 * carries `heapTotalBytes` and, for the after-GC reading, `rssBytes`.
 */
export function createV8InspectorSource(options: V8InspectorSourceOptions): MemorySource {
  const forceGc = options.forceGc ?? true;
  const name = forceGc ? 'v8-heap-after-gc' : 'v8-heap-used';
  return {
    name,
    measures: forceGc
      ? 'V8 heap used right after a forced full GC, read from outside through the inspector (HeapProfiler.collectGarbage, Runtime.getHeapUsage)'
      : 'V8 heap used as it stands, garbage included, read through the inspector (Runtime.getHeapUsage)',
    async read(): Promise<MemoryReading> {
      const session = options.session();
      const pid = options.pid();
      if (session === null || pid === null || !session.isOpen()) throw gatewayError(`${options.what} is not running: no heap to read`);
      const timeoutMs = options.timeoutMs ?? 60_000;
      try {
        if (forceGc) {
          await session.call('HeapProfiler.collectGarbage', {}, timeoutMs);
          await session.call('HeapProfiler.collectGarbage', {}, timeoutMs);
        }
        const heap = await session.call<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage', {}, timeoutMs);
        if (!forceGc) return { bytes: heap.usedSize, source: name, afterGc: false, extra: { heapTotalBytes: heap.totalSize } };
        const usage = await readProcessUsage(pid);
        return { bytes: heap.usedSize, source: name, afterGc: true, extra: { heapTotalBytes: heap.totalSize, rssBytes: usage.rssBytes } };
      } catch (error) {
        throw gatewayError(`could not read the V8 heap of ${options.what} (pid ${pid}) through its inspector: ${messageOf(error)}`, { cause: error });
      }
    },
  };
}
