/**
 * JVM heap read through Jolokia, the HTTP bridge to JMX many Java gateways ship or accept as an
 * agent (`…/jolokia`): `exec java.lang:type=Memory/gc`, then `read …/HeapMemoryUsage/used`. Its
 * answers are JSON: `{"value": 123, "status": 200}`, with `status` ≠ 200 and an `error` on failure.
 */
import { gatewayError, messageOf } from '../errors.js';
import type { MemoryReading, MemorySource } from './source.js';

export interface JolokiaSourceOptions {
  /** Base URL of the agent, e.g. `http://127.0.0.1:8778/jolokia`. */
  readonly url: string;
  /** Force a GC before the reading (the live set); default true. */
  readonly forceGc?: boolean;
  readonly timeoutMs: number;
  /** Request headers (authorization); never put in messages. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly name?: string;
}

/** The `value` of a Jolokia answer; throws with Jolokia's own error when `status` is not 200. */
export function jolokiaValue(answer: unknown, what: string): unknown {
  const a = answer as { status?: unknown; value?: unknown; error?: unknown } | null;
  if (a === null || typeof a !== 'object') throw gatewayError(`Jolokia answered ${what} with something that is not a JSON object`);
  if (a.status !== 200) throw gatewayError(`Jolokia could not ${what}: ${typeof a.error === 'string' ? a.error.split('\n')[0] : `status ${String(a.status)}`}`);
  return a.value;
}

async function getJson(url: string, options: JolokiaSourceOptions): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...options.headers }, signal: AbortSignal.timeout(options.timeoutMs) });
  } catch (error) {
    throw gatewayError(`GET ${url} failed: ${messageOf(error)}`, { cause: error });
  }
  const text = await response.text();
  if (!response.ok) throw gatewayError(`GET ${url} answered HTTP ${response.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw gatewayError(`GET ${url} answered with a body that is not JSON`);
  }
}

/** A memory source over a JVM's heap through Jolokia. */
export function createJolokiaSource(options: JolokiaSourceOptions): MemorySource {
  const forceGc = options.forceGc ?? true;
  const base = options.url.replace(/\/+$/, '');
  const name = options.name ?? (forceGc ? 'jvm-heap-after-gc' : 'jvm-heap-used');
  return {
    name,
    measures: `JVM heap used${forceGc ? ' right after a forced GC' : ''} (java.lang:type=Memory HeapMemoryUsage.used through Jolokia at ${base})`,
    async read(): Promise<MemoryReading> {
      if (forceGc) jolokiaValue(await getJson(`${base}/exec/java.lang:type=Memory/gc`, options), 'force a GC');
      const used = jolokiaValue(await getJson(`${base}/read/java.lang:type=Memory/HeapMemoryUsage/used`, options), 'read HeapMemoryUsage');
      if (typeof used !== 'number') throw gatewayError(`Jolokia's HeapMemoryUsage.used at ${base} is not a number`);
      return { bytes: used, source: name, afterGc: forceGc };
    },
  };
}
