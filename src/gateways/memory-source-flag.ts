/**
 * `--memory-source KIND:VALUE`, repeated once per node of a cluster: `pid:1234` or
 * `pidfile:/run/gw.pid` (PSS of the process tree), `jolokia:http://127.0.0.1:8778/jolokia` (JVM heap
 * after GC), `v8-inspector:http://127.0.0.1:9229` (a Node process's V8 heap after GC), `prometheus:http://127.0.0.1:9100/metrics#metric_name` (the named metric).
 */
import { usageError } from '../errors.js';
import { assertLoopbackUrl } from '../loopback.js';
import { createJolokiaSource } from '../sampling/jolokia.js';
import { createPrometheusSource } from '../sampling/prometheus.js';
import { createPssTreeSource } from '../sampling/pss.js';
import { createV8InspectorSource } from '../sampling/v8-inspector.js';
import type { MemorySource } from '../sampling/source.js';
import { readPidFile } from './recipe/memory.js';

export const MEMORY_SOURCE_KINDS = ['pid', 'pidfile', 'jolokia', 'prometheus', 'v8-inspector'] as const;

/**
 * Parses one `--memory-source`; a one-line usage error names the flag and what it accepts.
 * @param headers auth headers for HTTP sources (never in messages).
 */
export function parseMemorySource(
  text: string,
  options: { readonly allowRemote: boolean; readonly timeoutMs: number; readonly headers?: Readonly<Record<string, string>> },
): MemorySource {
  const at = text.indexOf(':');
  const kind = at < 0 ? '' : text.slice(0, at);
  const value = at < 0 ? '' : text.slice(at + 1);
  const bad = (why: string): never => {
    throw usageError(
      `--memory-source ${text}: ${why}`,
      `write ${MEMORY_SOURCE_KINDS.map((k) => `${k}:…`).join(', ')} (e.g. pid:1234, prometheus:http://127.0.0.1:9100/metrics#process_resident_memory_bytes)`,
    );
  };
  switch (kind) {
    case 'pid': {
      const pid = Number(value);
      if (!Number.isInteger(pid) || pid < 1) bad('not a process id');
      return createPssTreeSource({ pid: () => pid, what: `process ${pid}` });
    }
    case 'pidfile':
      if (value === '') bad('no PID file named');
      return createPssTreeSource({ pid: () => readPidFile(value), what: `the process in ${value}` });
    case 'jolokia':
      return createJolokiaSource({
        url: assertLoopbackUrl(value, options.allowRemote, '--memory-source').href,
        timeoutMs: options.timeoutMs,
        ...(options.headers ? { headers: options.headers } : {}),
      });
    case 'v8-inspector':
      return createV8InspectorSource({ url: assertLoopbackUrl(value, options.allowRemote, '--memory-source').href, timeoutMs: options.timeoutMs });
    case 'prometheus': {
      const hash = value.lastIndexOf('#');
      if (hash < 0 || hash === value.length - 1) bad('name the metric after #, e.g. …/metrics#process_resident_memory_bytes');
      const url = assertLoopbackUrl(value.slice(0, hash), options.allowRemote, '--memory-source').href;
      return createPrometheusSource({
        metricsUrl: url,
        metric: value.slice(hash + 1),
        timeoutMs: options.timeoutMs,
        ...(options.headers ? { headers: options.headers } : {}),
      });
    }
    default:
      return bad(`unknown kind "${kind}"`);
  }
}
