/**
 * JVM memory read through Tomcat's JMX proxy (`/manager/jmxproxy/`, role manager-jmx): heap used
 * (after forced GCs: the live set), with Metaspace and class counts beside it. A count of unloaded
 * classes that stays flat while webapps are reloaded means old classloaders are kept: a hard leak.
 */
import { gatewayError, messageOf } from '../errors.js';
import type { MemoryReading, MemorySource } from './source.js';

export interface JmxProxyOptions {
  /** e.g. `http://127.0.0.1:8080/manager` */
  readonly managerUrl: string;
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
}

export interface JvmHeapSourceOptions extends JmxProxyOptions {
  /** Force GCs and take the least of the readings (default true); false reads heap used as it stands. */
  readonly forceGc?: boolean;
  /** Readings to take, each after its own GC (default 3): the JVM gives memory back in stages. */
  readonly settleSamples?: number;
  /** GET this once between the first and second GC (e.g. a data-plane URL), so request buffers are settled too. */
  readonly settleRequestUrl?: string;
  /** Read Metaspace, class counts and committed heap into `extra` (default true); false keeps a reading to one call (deploy sampling). */
  readonly extras?: boolean;
}

/**
 * Parses a JMX proxy answer to `get`: `OK - Attribute get 'java.lang:type=Memory' - HeapMemoryUsage - key 'used' = 1234`.
 * Errors come back as HTTP 200 with a body starting `Error -`; they throw with that line.
 */
export function parseJmxNumber(body: string, what: string): number {
  const first = (body.split(/\r?\n/)[0] ?? '').trim();
  if (!first.startsWith('OK - ')) throw gatewayError(`JMX proxy could not read ${what}: ${first.slice(0, 300) || 'empty answer'}`);
  const m = /=\s*(-?\d+(?:\.\d+)?)\s*$/.exec(first);
  if (m === null) throw gatewayError(`JMX proxy answer for ${what} has no number: ${first.slice(0, 300)}`);
  return Number(m[1]);
}

/** A JMX proxy client for the few MBean reads and operations memory sampling needs. */
export class JmxProxy {
  readonly #options: JmxProxyOptions;
  readonly #authorization: string;

  constructor(options: JmxProxyOptions) {
    this.#options = Object.freeze({ ...options });
    this.#authorization = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;
  }

  async #call(params: Readonly<Record<string, string>>): Promise<string> {
    const base = `${this.#options.managerUrl}/jmxproxy/`;
    let response: Response;
    try {
      response = await fetch(`${base}?${new URLSearchParams(params).toString()}`, {
        headers: { authorization: this.#authorization },
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (error) {
      throw gatewayError(`JMX proxy at ${base} did not answer: ${messageOf(error)}`, { cause: error });
    }
    const body = await response.text();
    if (!response.ok) throw gatewayError(`JMX proxy at ${base} answered HTTP ${response.status}`);
    return body;
  }

  /** A numeric attribute, or one key of a composite attribute (e.g. HeapMemoryUsage's `used`). */
  async get(mbean: string, attribute: string, key?: string): Promise<number> {
    const body = await this.#call({ get: mbean, att: attribute, ...(key === undefined ? {} : { key }) });
    return parseJmxNumber(body, `${mbean} ${attribute}${key === undefined ? '' : `.${key}`}`);
  }

  /** Invokes an operation without arguments (e.g. `java.lang:type=Memory` `gc`). */
  async invoke(mbean: string, operation: string): Promise<void> {
    const body = await this.#call({ invoke: mbean, op: operation });
    if (!body.trimStart().startsWith('OK - ')) {
      throw gatewayError(`JMX proxy could not invoke ${mbean} ${operation}: ${body.split(/\r?\n/)[0]?.slice(0, 300) ?? ''}`);
    }
  }

  /** Number of MBeans matching an ObjectName pattern (`qry`): `OK - Number of results: 12`. */
  async count(pattern: string): Promise<number> {
    const body = await this.#call({ qry: pattern });
    const first = (body.split(/\r?\n/)[0] ?? '').trim();
    const m = /^OK - Number of results: (\d+)/.exec(first);
    if (m === null) throw gatewayError(`JMX proxy query ${pattern} failed: ${first.slice(0, 300)}`);
    return Number(m[1]);
  }
}

const MEMORY = 'java.lang:type=Memory';
const METASPACE = 'java.lang:type=MemoryPool,name=Metaspace';
const CLASSES = 'java.lang:type=ClassLoading';

/** Metaspace, class counts and committed heap: the numbers a JVM reading carries in `extra`. */
export async function readJvmExtras(jmx: JmxProxy): Promise<Record<string, number>> {
  const [metaspaceBytes, loadedClasses, unloadedClasses, totalLoadedClasses, heapCommittedBytes] = await Promise.all([
    jmx.get(METASPACE, 'Usage', 'used'),
    jmx.get(CLASSES, 'LoadedClassCount'),
    jmx.get(CLASSES, 'UnloadedClassCount'),
    jmx.get(CLASSES, 'TotalLoadedClassCount'),
    jmx.get(MEMORY, 'HeapMemoryUsage', 'committed'),
  ]);
  return { metaspaceBytes, loadedClasses, unloadedClasses, totalLoadedClasses, heapCommittedBytes };
}

/**
 * JVM heap through Tomcat's JMX proxy. With `forceGc` (the default) the source is
 * `jvm-heap-after-gc`: GC, read; (one settle request), GC, read; GC, read … and the least reading counts.
 * Without it the source is `jvm-heap-used` (garbage included; for sampling during deploys).
 */
export function createJvmHeapSource(options: JvmHeapSourceOptions): MemorySource {
  const forceGc = options.forceGc ?? true;
  const samples = Math.max(1, options.settleSamples ?? 3);
  const jmx = new JmxProxy(options);
  const name = forceGc ? 'jvm-heap-after-gc' : 'jvm-heap-used';
  const settleUrl = options.settleRequestUrl;
  const timeoutMs = options.timeoutMs;
  return {
    name,
    measures: forceGc
      ? `JVM heap used right after a forced GC (java.lang:type=Memory HeapMemoryUsage.used, least of ${samples} GC-then-read samples)`
      : 'JVM heap used as it stands, garbage included (java.lang:type=Memory HeapMemoryUsage.used)',
    async read(): Promise<MemoryReading> {
      let bytes = Number.POSITIVE_INFINITY;
      for (let i = 0; i < (forceGc ? samples : 1); i++) {
        if (i === 1 && settleUrl !== undefined) {
          // Any answer will do: the request only has to pass through the server's buffers.
          await fetch(settleUrl, { signal: AbortSignal.timeout(timeoutMs) })
            .then((r) => r.arrayBuffer())
            .catch(() => undefined);
        }
        if (forceGc) await jmx.invoke(MEMORY, 'gc');
        bytes = Math.min(bytes, await jmx.get(MEMORY, 'HeapMemoryUsage', 'used'));
      }
      if (options.extras === false) return { bytes, source: name, afterGc: forceGc };
      return { bytes, source: name, afterGc: forceGc, extra: await readJvmExtras(jmx) };
    },
  };
}
