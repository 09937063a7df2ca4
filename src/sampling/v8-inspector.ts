/**
 * The V8 heap of a Node.js gateway (Node-RED, an Express-based gateway) started with `--inspect`:
 * through the inspector protocol, `HeapProfiler.collectGarbage` then `Runtime.getHeapUsage`
 * (`usedSize`: the live set). The inspector's HTTP endpoint (`/json/list`) names the WebSocket.
 */
import { WebSocket } from 'undici';
import { gatewayError, messageOf } from '../errors.js';
import type { MemoryReading, MemorySource } from './source.js';

export interface V8InspectorSourceOptions {
  /** The inspector's HTTP address, e.g. `http://127.0.0.1:9229`. */
  readonly url: string;
  /** Collect garbage first (default true). */
  readonly forceGc?: boolean;
  readonly timeoutMs: number;
  readonly name?: string;
}

async function debuggerUrl(base: string, timeoutMs: number): Promise<string> {
  let targets: unknown;
  try {
    const response = await fetch(`${base}/json/list`, { signal: AbortSignal.timeout(timeoutMs) });
    targets = await response.json();
  } catch (error) {
    throw gatewayError(`GET ${base}/json/list failed: ${messageOf(error)}`, { cause: error });
  }
  const first = Array.isArray(targets) ? (targets[0] as { webSocketDebuggerUrl?: unknown } | undefined) : undefined;
  if (typeof first?.webSocketDebuggerUrl !== 'string')
    throw gatewayError(`${base}/json/list names no inspector target (is the gateway running with --inspect?)`);
  return first.webSocketDebuggerUrl;
}

/** Sends the calls in order on one WebSocket session and resolves with the last result. */
function session(url: string, calls: readonly string[], timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => {
      socket.close();
      reject(gatewayError(`the V8 inspector at ${url} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let next = 0;
    const send = (): void => socket.send(JSON.stringify({ id: next + 1, method: calls[next] }));
    socket.addEventListener('open', send);
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(gatewayError(`could not talk to the V8 inspector at ${url}`));
    });
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: Record<string, unknown>; error?: { message?: string } };
      if (message.id !== next + 1) return;
      if (message.error !== undefined) {
        clearTimeout(timer);
        socket.close();
        reject(gatewayError(`the V8 inspector refused ${calls[next] ?? '?'}: ${message.error.message ?? 'no reason'}`));
        return;
      }
      next++;
      if (next < calls.length) return send();
      clearTimeout(timer);
      socket.close();
      resolve(message.result ?? {});
    });
  });
}

/** A memory source over a Node process's V8 heap through its inspector. */
export function createV8InspectorSource(options: V8InspectorSourceOptions): MemorySource {
  const forceGc = options.forceGc ?? true;
  const base = options.url.replace(/\/+$/, '');
  const name = options.name ?? (forceGc ? 'v8-heap-after-gc' : 'v8-heap-used');
  return {
    name,
    measures: `V8 heap used${forceGc ? ' right after a forced GC' : ''}, through the inspector at ${base} (Runtime.getHeapUsage)`,
    async read(): Promise<MemoryReading> {
      const url = await debuggerUrl(base, options.timeoutMs);
      const result = await session(url, [...(forceGc ? ['HeapProfiler.collectGarbage'] : []), 'Runtime.getHeapUsage'], options.timeoutMs);
      const used = result['usedSize'];
      if (typeof used !== 'number') throw gatewayError(`the V8 inspector at ${base} gave no usedSize`);
      const total = result['totalSize'];
      return { bytes: used, source: name, afterGc: forceGc, ...(typeof total === 'number' ? { extra: { heapTotalBytes: total } } : {}) };
    },
  };
}
