/**
 * Memory read from a Prometheus text exposition (`/metrics`), e.g. a Go server's
 * `go_memstats_heap_alloc_bytes`. Which metric is the reading, and which go into `extra`, is
 * configured. The parser is our own: `parse-prometheus-text-format` (the npm parser) drops the
 * labels, `_sum` and `_count` of labelled histograms and summaries.
 */
import { gatewayError, inputError, messageOf } from '../errors.js';
import type { MemoryReading, MemorySource } from './source.js';

/** One sample: a metric name (as written in the exposition), its labels and its value. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Milliseconds since the epoch when the line carries a timestamp. */
  readonly timestampMs?: number;
}

/** Metric family type as declared by `# TYPE`; `untyped` when none was declared. */
export type PromType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface PromFamily {
  readonly name: string;
  readonly help: string;
  readonly type: PromType;
  /** Samples of the family in exposition order (histograms: `_bucket`, `_sum`, `_count`; summaries: quantiles, `_sum`, `_count`). */
  readonly samples: readonly PromSample[];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Prometheus sample value text → number; `NaN`, `+Inf`, `-Inf` included; undefined when not a number. */
export function parsePromValue(text: string): number | undefined {
  const t = text.trim();
  if (t === 'NaN') return Number.NaN;
  if (t === '+Inf' || t === 'Inf') return Number.POSITIVE_INFINITY;
  if (t === '-Inf') return Number.NEGATIVE_INFINITY;
  return NUMBER.test(t) ? Number(t) : undefined;
}

const TYPES: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** `\\` → `\`, `\n` → newline, and (in label values) `\"` → `"`. */
function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Labels from just after `{` to the closing `}`; returns them and where parsing stopped. */
function parseLabels(line: string, from: number, fail: (why: string) => never): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = from;
  for (;;) {
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] === '}') return { labels, end: at + 1 };
    const name = LABEL_NAME.exec(line.slice(at))?.[0];
    if (name === undefined) fail('a label name was expected');
    at += name.length;
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] !== '=' || line[at + 1] !== '"') fail(`label ${name} has no quoted value`);
    at += 2;
    let value = '';
    while (at < line.length && line[at] !== '"') {
      if (line[at] === '\\' && at + 1 < line.length) {
        value += line.slice(at, at + 2);
        at += 2;
      } else value += line[at++] ?? '';
    }
    if (line[at] !== '"') fail(`label ${name} has an unterminated value`);
    labels[name] = unescape(value);
    at++;
    while (line[at] === ' ' || line[at] === '\t') at++;
    if (line[at] === ',') at++;
    else if (line[at] !== '}') fail('"," or "}" was expected after a label');
  }
}

/** The family a sample belongs to: `h_bucket` to histogram `h`, `s_sum` to summary `s`, else its own name. */
function familyOf(name: string, types: ReadonlyMap<string, PromType>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

/**
 * Parses a Prometheus text exposition (format 0.0.4). Throws an input error naming `source` and
 * the line when a line is malformed or a value is not a number.
 */
export function parsePrometheusText(text: string, source = 'metrics'): PromFamily[] {
  const help = new Map<string, string>();
  const types = new Map<string, PromType>();
  const samples = new Map<string, PromSample[]>();
  const order: string[] = [];
  const touch = (family: string): PromSample[] => {
    let list = samples.get(family);
    if (list === undefined) {
      list = [];
      samples.set(family, list);
      order.push(family);
    }
    return list;
  };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    const fail = (why: string): never => {
      throw inputError(`${source}:${i + 1}: ${why} in '${line.slice(0, 120)}'`);
    };
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (trimmed.startsWith('#')) {
      const m = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(trimmed);
      if (m === null) continue; // any other comment
      const [, keyword, name = '', rest = ''] = m;
      touch(name);
      if (keyword === 'HELP') help.set(name, unescape(rest));
      else {
        const type = rest.trim().toLowerCase();
        if (!TYPES.has(type)) fail(`unknown metric type '${rest.trim()}'`);
        types.set(name, type as PromType);
      }
      continue;
    }
    const name = METRIC_NAME.exec(trimmed)?.[0];
    if (name === undefined) fail('a metric name was expected');
    let at = (name ?? '').length;
    let labels: Record<string, string> = {};
    if (trimmed[at] === '{') ({ labels, end: at } = parseLabels(trimmed, at + 1, fail));
    const fields = trimmed.slice(at).trim().split(/\s+/);
    const metric = name ?? '';
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') fail(`metric ${metric} needs a value (and at most a timestamp)`);
    const value = parsePromValue(fields[0] ?? '');
    if (value === undefined) throw inputError(`${source}: metric ${metric} has value '${fields[0] ?? ''}', expected a number`);
    const sample: PromSample = { name: metric, labels, value };
    if (fields[1] !== undefined) {
      const timestampMs = Number(fields[1]);
      if (!Number.isInteger(timestampMs)) fail(`metric ${metric} has timestamp '${fields[1]}', expected milliseconds`);
      touch(familyOf(metric, types)).push({ ...sample, timestampMs });
    } else touch(familyOf(metric, types)).push(sample);
  }
  return order.map((name) => ({ name, help: help.get(name) ?? '', type: types.get(name) ?? 'untyped', samples: samples.get(name) ?? [] }));
}

/**
 * The value of the first sample named `name` whose labels include all of `labels`; undefined
 * when the exposition has none.
 */
export function findSample(families: readonly PromFamily[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  for (const family of families) {
    for (const sample of family.samples) {
      if (sample.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) return sample.value;
    }
  }
  return undefined;
}

export interface PrometheusSourceOptions {
  /** URL of the text exposition, e.g. `http://127.0.0.1:2019/metrics`. */
  readonly metricsUrl: string;
  /** Sample whose value is the reading, e.g. `go_memstats_heap_alloc_bytes`. */
  readonly metric: string;
  /** Only samples with these labels count. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Source name for reports; default `prometheus:<metric>` (with `-after-gc` when `gcUrl` is set). */
  readonly name?: string;
  /** One sentence for reports; a default is derived from the metric. */
  readonly measures?: string;
  /** GET this first to force a garbage collection (e.g. Go's `/debug/pprof/heap?gc=1`). */
  readonly gcUrl?: string;
  /** `extra` key → sample name, read from the same scrape (e.g. `rssBytes` → `process_resident_memory_bytes`). */
  readonly extra?: Readonly<Record<string, string>>;
  /** Timeout of each HTTP call. */
  readonly timeoutMs: number;
  /** Request headers (e.g. authorization); never logged or put in messages. */
  readonly headers?: Readonly<Record<string, string>>;
}

async function httpGet(url: string, timeoutMs: number, headers: Readonly<Record<string, string>> | undefined): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw gatewayError(`GET ${url} failed: ${messageOf(error)}`, { cause: error });
  }
  const body = await response.text();
  if (!response.ok) throw gatewayError(`GET ${url} answered HTTP ${response.status}`);
  return body;
}

/** A memory source reading one sample of a Prometheus exposition, optionally after a forced GC. */
export function createPrometheusSource(options: PrometheusSourceOptions): MemorySource {
  const afterGc = options.gcUrl !== undefined;
  const name = options.name ?? `prometheus:${options.metric}${afterGc ? '-after-gc' : ''}`;
  const measures = options.measures ?? `the ${options.metric} metric at ${options.metricsUrl}${afterGc ? ', right after a forced GC' : ''}`;
  const options_ = Object.freeze({ ...options });
  return {
    name,
    measures,
    async read(): Promise<MemoryReading> {
      if (options_.gcUrl !== undefined) await httpGet(options_.gcUrl, options_.timeoutMs, options_.headers);
      const text = await httpGet(options_.metricsUrl, options_.timeoutMs, options_.headers);
      const families = parsePrometheusText(text, options_.metricsUrl);
      const bytes = findSample(families, options_.metric, options_.labels);
      if (bytes === undefined) throw gatewayError(`${options_.metricsUrl} has no metric ${options_.metric}`);
      const extra: Record<string, number> = {};
      for (const [key, metric] of Object.entries(options_.extra ?? {})) {
        const value = findSample(families, metric);
        if (value !== undefined) extra[key] = value;
      }
      return { bytes, source: name, afterGc, extra };
    },
  };
}

/**
 * The Go runtime's heap, for Go servers with a Prometheus endpoint and pprof (Caddy's admin API):
 * bytes of live heap objects right after a forced GC (`go-heap-alloc-after-gc`), with heap in use,
 * RSS and goroutines in `extra`. Without `forceGc` it reads the heap as it stands (`go-heap-alloc`).
 */
export function createGoHeapSource(options: { readonly adminUrl: string; readonly timeoutMs: number; readonly forceGc?: boolean }): MemorySource {
  const forceGc = options.forceGc ?? true;
  return createPrometheusSource({
    metricsUrl: `${options.adminUrl}/metrics`,
    metric: 'go_memstats_heap_alloc_bytes',
    name: forceGc ? 'go-heap-alloc-after-gc' : 'go-heap-alloc',
    measures: forceGc
      ? 'bytes of live Go heap objects right after a forced GC (go_memstats_heap_alloc_bytes after /debug/pprof/heap?gc=1)'
      : 'bytes of allocated Go heap objects, garbage included (go_memstats_heap_alloc_bytes)',
    ...(forceGc ? { gcUrl: `${options.adminUrl}/debug/pprof/heap?gc=1` } : {}),
    extra: {
      heapInuseBytes: 'go_memstats_heap_inuse_bytes',
      heapSysBytes: 'go_memstats_heap_sys_bytes',
      rssBytes: 'process_resident_memory_bytes',
      goroutines: 'go_goroutines',
    },
    timeoutMs: options.timeoutMs,
  });
}
