/**
 * A recipe's deploy peaks: the driver samples the recipe's memory read without GC while a deploy
 * runs (a Prometheus metric without its `gcUrl`, a JVM's or Node's heap without the GC call), so a
 * recipe target's peak is heap in use like the built-in targets', not the started process's RSS.
 * The derivation as a table, then a real run of `recipes/caddy.json` against Caddy from Debian.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recipePeakSource, type MemoryContext } from '../src/gateways/recipe/memory.js';
import type { MemorySourceSpec, Recipe } from '../src/gateways/recipe/schema.js';
import { gwscale, smallRunArgs, stopAll } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

const dir = tempDir('gwscale-recipe-peak-');
afterAll(stopAll);

const context: MemoryContext = {
  file: 'test.json',
  values: {},
  startedPid: () => null,
  workDir: dir,
  call: () => Promise.reject(new Error('no calls in this test')),
  timeoutMs: 1_000,
  headers: {},
  allowRemote: false,
};
const withMemory = (memory: MemorySourceSpec[]): Recipe => ({ memory }) as unknown as Recipe;
const peakName = (memory: MemorySourceSpec[]): string | null => recipePeakSource(withMemory(memory), context)?.name ?? null;

describe('the source a recipe samples for deploy peaks', () => {
  const prometheus: MemorySourceSpec = {
    kind: 'prometheus',
    url: 'http://127.0.0.1:1/metrics',
    metric: 'go_memstats_heap_alloc_bytes',
    gcUrl: 'http://127.0.0.1:1/debug/pprof/heap?gc=1',
    name: 'go-heap-alloc-after-gc',
  };
  it.each<[string, MemorySourceSpec[], string | null]>([
    ['a Prometheus metric, without its GC URL or the name that says after GC', [prometheus], 'prometheus:go_memstats_heap_alloc_bytes'],
    ['a JVM heap through Jolokia, without the GC call', [{ kind: 'jolokia', url: 'http://127.0.0.1:1/jolokia', forceGc: true }], 'jvm-heap-used'],
    ['a V8 heap through the inspector, without the GC call', [{ kind: 'v8-inspector', url: 'http://127.0.0.1:1', forceGc: true }], 'v8-heap-used'],
    [
      'two nodes, summed as the live readings are',
      [prometheus, { kind: 'jolokia', url: 'http://127.0.0.1:2/jolokia', forceGc: true }],
      'sum(prometheus:go_memstats_heap_alloc_bytes,jvm-heap-used)',
    ],
    [
      'none for a JSON call, which may itself be the GC',
      [{ kind: 'json', call: { method: 'POST', path: '/api/gc' }, select: '$.heapUsed', afterGc: true }],
      null,
    ],
    ['none for a process tree (the driver samples that itself)', [{ kind: 'process', started: true }], null],
    ['none when one node of several has none', [prometheus, { kind: 'process', started: true }], null],
  ])('%s', (_what, memory, expected) => {
    expect(peakName(memory)).toBe(expected);
  });
});

describe('gwscale run --target recipe:recipes/caddy.json (real Caddy)', () => {
  it("samples the Go heap in use for every deploy's peak, not the process's RSS", async () => {
    const out = join(dir, 'caddy');
    const result = await gwscale(smallRunArgs('recipe:recipes/caddy.json', out, ['--verify', 'none']), { timeoutMs: 90_000 });
    expect(result.stderr).toContain('verdict:');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      rounds: { services: number; peakBytes: number | null; preDeployBytes: number | null; peakSource?: string }[];
    };
    const deployed = report.rounds.filter((r) => r.services > 0);
    expect(deployed.length).toBeGreaterThanOrEqual(3);
    for (const row of deployed) {
      expect(row.peakSource).toBe('heap');
      expect(row.peakBytes).toBeGreaterThan(0);
      expect(row.preDeployBytes).toBeGreaterThan(0);
    }
    const samples = readFileSync(join(out, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"sample"'))
      .map((line) => JSON.parse(line) as { phase: string; source: string });
    expect(samples.some((s) => s.phase === 'deploy' && s.source === 'prometheus:go_memstats_heap_alloc_bytes')).toBe(true);
  }, 120_000);
});
