/**
 * The Prometheus text-format parsing and the memory source built on it, against a sample exposition
 * shaped like Caddy's /metrics (Go runtime + process collectors), served by a local HTTP server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGoHeapSource, createPrometheusSource, findSample, parsePrometheusText, parsePromValue } from '../src/sampling/prometheus.js';

const SAMPLE = `# HELP go_gc_duration_seconds A summary of the pause duration of garbage collection cycles.
# TYPE go_gc_duration_seconds summary
go_gc_duration_seconds{quantile="0"} 2.6449e-05
go_gc_duration_seconds{quantile="0.5"} 5.367e-05
go_gc_duration_seconds{quantile="1"} 0.000288379
go_gc_duration_seconds_sum 0.000368498
go_gc_duration_seconds_count 3
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 14
# HELP go_info Information about the Go environment.
# TYPE go_info gauge
go_info{version="go1.19.8"} 1
# HELP go_memstats_heap_alloc_bytes Number of heap bytes allocated and still in use.
# TYPE go_memstats_heap_alloc_bytes gauge
go_memstats_heap_alloc_bytes 3.51606968e+08
# HELP go_memstats_heap_inuse_bytes Number of heap bytes that are in use.
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 3.6405248e+08
# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 6.71342592e+08
# HELP caddy_admin_http_requests_total Counter of requests made to the Admin API's HTTP endpoints.
# TYPE caddy_admin_http_requests_total counter
caddy_admin_http_requests_total{code="200",handler="admin",method="GET",path="/config/"} 1
caddy_admin_http_requests_total{code="200",handler="metrics",method="GET",path="/metrics"} 2
# HELP http_request_duration_seconds Latency with "quotes" and a \\\\ backslash in help.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.1",path="a\\"b"} 4
http_request_duration_seconds_bucket{le="+Inf",path="a\\"b"} 5
http_request_duration_seconds_sum{path="a\\"b"} 0.75
http_request_duration_seconds_count{path="a\\"b"} 5
odd_values{kind="nan"} NaN
odd_values{kind="inf"} +Inf
odd_values{kind="neg"} -Inf
with_timestamp 42 1700000000000
`;

describe('parsePrometheusText', () => {
  const families = parsePrometheusText(SAMPLE);

  it('reads gauges in exponent notation as exact numbers', () => {
    expect(findSample(families, 'go_memstats_heap_alloc_bytes')).toBe(351_606_968);
    expect(findSample(families, 'process_resident_memory_bytes')).toBe(671_342_592);
    expect(findSample(families, 'go_goroutines')).toBe(14);
  });

  it('keeps types and help text', () => {
    const heap = families.find((f) => f.name === 'go_memstats_heap_alloc_bytes');
    expect(heap).toMatchObject({ type: 'gauge', help: 'Number of heap bytes allocated and still in use.' });
    expect(families.find((f) => f.name === 'caddy_admin_http_requests_total')?.type).toBe('counter');
  });

  it('selects samples by labels', () => {
    expect(findSample(families, 'caddy_admin_http_requests_total', { handler: 'metrics' })).toBe(2);
    expect(findSample(families, 'caddy_admin_http_requests_total', { handler: 'nope' })).toBeUndefined();
  });

  it('flattens summaries and histograms, with escaped label values', () => {
    expect(findSample(families, 'go_gc_duration_seconds', { quantile: '0.5' })).toBe(5.367e-5);
    expect(findSample(families, 'go_gc_duration_seconds_count')).toBe(3);
    expect(findSample(families, 'http_request_duration_seconds_bucket', { le: '+Inf', path: 'a"b' })).toBe(5);
    expect(findSample(families, 'http_request_duration_seconds_sum', { path: 'a"b' })).toBe(0.75);
    const histogram = families.find((f) => f.name === 'http_request_duration_seconds');
    expect(histogram?.type).toBe('histogram');
    expect(histogram?.samples.map((x) => x.name)).toEqual([
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_count',
    ]);
    expect(histogram?.help).toBe('Latency with "quotes" and a \\ backslash in help.');
  });

  it('keeps labels, _sum and _count of labelled summaries apart', () => {
    const text = '# TYPE s summary\ns{quantile="0.5",x="1"} 1\ns_sum{x="1"} 2\ns_count{x="1"} 3\ns{quantile="0.5",x="2"} 4\ns_sum{x="2"} 5\ns_count{x="2"} 6\n';
    const parsed = parsePrometheusText(text);
    expect(parsed).toHaveLength(1);
    expect(findSample(parsed, 's_count', { x: '2' })).toBe(6);
    expect(findSample(parsed, 's', { x: '2', quantile: '0.5' })).toBe(4);
    expect(findSample(parsed, 's_sum', { x: '1' })).toBe(2);
  });

  it('ignores other comments and blank lines, and reads CRLF line ends', () => {
    expect(findSample(parsePrometheusText('# just a note\r\n\r\nup{job="a"} 1\r\n'), 'up', { job: 'a' })).toBe(1);
  });

  it('rejects malformed lines, naming the source and the line number', () => {
    expect(() => parsePrometheusText('ok 1\nbroken{a="1" 2\n', 'm')).toThrow(/^m:2: /);
    expect(() => parsePrometheusText('x{a=1} 2\n', 'm')).toThrow('m:1: label a has no quoted value');
    expect(() => parsePrometheusText('x 1 2 3\n', 'm')).toThrow('m:1: metric x needs a value (and at most a timestamp)');
    expect(() => parsePrometheusText('# TYPE x meter\n', 'm')).toThrow("m:1: unknown metric type 'meter'");
  });

  it('reads NaN, ±Inf and samples with timestamps', () => {
    expect(findSample(families, 'odd_values', { kind: 'nan' })).toBeNaN();
    expect(findSample(families, 'odd_values', { kind: 'inf' })).toBe(Number.POSITIVE_INFINITY);
    expect(findSample(families, 'odd_values', { kind: 'neg' })).toBe(Number.NEGATIVE_INFINITY);
    expect(findSample(families, 'with_timestamp')).toBe(42);
    expect(families.find((f) => f.name === 'with_timestamp')?.samples[0]?.timestampMs).toBe(1_700_000_000_000);
  });

  it('rejects a sample whose value is not a number, naming the source and the metric', () => {
    expect(() => parsePrometheusText('heap_bytes lots\n', 'http://127.0.0.1:1/metrics')).toThrow(
      "http://127.0.0.1:1/metrics: metric heap_bytes has value 'lots', expected a number",
    );
  });

  it('parses values strictly', () => {
    expect(parsePromValue('1.5e3')).toBe(1500);
    expect(parsePromValue('-0.25')).toBe(-0.25);
    expect(parsePromValue('0x10')).toBeUndefined();
    expect(parsePromValue('')).toBeUndefined();
  });

  it('gives nothing for an empty exposition', () => {
    expect(parsePrometheusText('')).toEqual([]);
  });
});

describe('createPrometheusSource', () => {
  let server: Server;
  let base: string;
  let gcCalls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url?.startsWith('/debug/pprof/heap')) {
        gcCalls++;
        res.end('profile');
      } else if (req.url === '/metrics') {
        res.setHeader('content-type', 'text/plain; version=0.0.4');
        res.end(SAMPLE);
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads the Go heap after forcing a GC, with the other numbers in extra', async () => {
    const source = createGoHeapSource({ adminUrl: base, timeoutMs: 5_000 });
    expect(source.name).toBe('go-heap-alloc-after-gc');
    const before = gcCalls;
    const reading = await source.read();
    expect(gcCalls).toBe(before + 1);
    expect(reading).toEqual({
      bytes: 351_606_968,
      source: 'go-heap-alloc-after-gc',
      afterGc: true,
      extra: { heapInuseBytes: 364_052_480, rssBytes: 671_342_592, goroutines: 14 },
    });
  });

  it('reads a configured metric without GC', async () => {
    const before = gcCalls;
    const source = createPrometheusSource({
      metricsUrl: `${base}/metrics`,
      metric: 'process_resident_memory_bytes',
      timeoutMs: 5_000,
    });
    expect(source.name).toBe('prometheus:process_resident_memory_bytes');
    const reading = await source.read();
    expect(reading).toMatchObject({ bytes: 671_342_592, afterGc: false });
    expect(gcCalls).toBe(before);
  });

  it('says which metric is missing', async () => {
    const source = createPrometheusSource({ metricsUrl: `${base}/metrics`, metric: 'jvm_memory_used_bytes', timeoutMs: 5_000 });
    await expect(source.read()).rejects.toThrow(`${base}/metrics has no metric jvm_memory_used_bytes`);
  });

  it('says which URL failed', async () => {
    const source = createPrometheusSource({ metricsUrl: `${base}/nope`, metric: 'x', timeoutMs: 5_000 });
    await expect(source.read()).rejects.toThrow(`GET ${base}/nope answered HTTP 404`);
  });
});
