/**
 * A recipe's deploy peaks: the driver samples the recipe's memory read without GC while a deploy
 * runs (a Prometheus metric without its `gcUrl`, a JVM's or Node's heap without the GC call), so a
 * recipe target's peak is heap in use like the built-in targets', not the started process's RSS.
 * The derivation as a table, then real runs against Caddy from Debian: a recipe with a deploy step,
 * and `recipes/caddy.json`, which has none and keeps the RSS peak.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recipeMemorySources, recipePeakSource, type MemoryContext } from '../src/gateways/recipe/memory.js';
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
    [
      'a source that never forced GC, as it is, name and all',
      [{ kind: 'prometheus', url: 'http://127.0.0.1:1/metrics', metric: 'kong_memory_lua_shared_dict_bytes', name: 'kong-shm' }],
      'kong-shm',
    ],
    ['none for a process tree, which is not a heap', [{ kind: 'process', started: true }], null],
    ['none when one node of several has none', [prometheus, { kind: 'process', started: true }], null],
  ])('%s', (_what, memory, expected) => {
    expect(peakName(memory)).toBe(expected);
  });
});

describe('the peak reading, against a loopback Prometheus endpoint', () => {
  it('reads the metric without ever calling the GC URL; the live source calls it first', async () => {
    const hits: string[] = [];
    const server = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.end(req.url === '/metrics' ? 'go_memstats_heap_alloc_bytes 4096\n' : '');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const spec: MemorySourceSpec = { kind: 'prometheus', url: `${base}/metrics`, metric: 'go_memstats_heap_alloc_bytes', gcUrl: `${base}/gc` };
      const peak = await recipePeakSource(withMemory([spec]), context)?.read();
      expect(peak).toMatchObject({ bytes: 4096, afterGc: false });
      expect(hits).toEqual(['/metrics']);
      const [live] = recipeMemorySources(withMemory([spec]), context);
      expect(await live?.read()).toMatchObject({ bytes: 4096, afterGc: true });
      expect(hits).toEqual(['/metrics', '/gc', '/metrics']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('gwscale run with a Caddy recipe (real Caddy)', () => {
  /** A small run; its deployed rows and the deploy-phase samples of its run log. */
  async function run(
    recipe: string,
    name: string,
  ): Promise<{ rows: { peakBytes: number | null; preDeployBytes: number | null; peakSource?: string }[]; samples: string[] }> {
    const out = join(dir, name);
    const result = await gwscale(smallRunArgs(`recipe:${recipe}`, out, ['--verify', 'none']), { timeoutMs: 90_000 });
    expect(result.stderr).toContain('verdict:');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      rounds: { services: number; peakBytes: number | null; preDeployBytes: number | null; peakSource?: string }[];
    };
    const samples = readFileSync(join(out, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"sample"'))
      .map((line) => JSON.parse(line) as { phase: string; source: string })
      .filter((sample) => sample.phase === 'deploy')
      .map((sample) => sample.source);
    return { rows: report.rounds.filter((r) => r.services > 0), samples };
  }

  it("with a deploy step (a forced config reload): samples the Go heap in use for every deploy's peak, not the process's RSS", async () => {
    const recipe = JSON.parse(readFileSync('recipes/caddy.json', 'utf8')) as Record<string, unknown>;
    recipe['name'] = 'caddy-reload';
    // Setting a value Caddy already has, with must-revalidate: Caddy reloads its whole config.
    recipe['deploy'] = { method: 'POST', path: '/config/apps/http/servers/gwscale/idle_timeout', body: '2m', headers: { 'cache-control': 'must-revalidate' } };
    const file = join(dir, 'caddy-reload.json');
    writeFileSync(file, JSON.stringify(recipe));
    const { rows, samples } = await run(file, 'reload');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) {
      expect(row.peakSource).toBe('heap');
      expect(row.peakBytes).toBeGreaterThan(0);
      expect(row.preDeployBytes).toBeGreaterThan(0);
    }
    expect(samples).toContain('prometheus:go_memstats_heap_alloc_bytes');
  }, 120_000);

  it('without a deploy step (recipes/caddy.json): the RSS of the process it started, around the no-op, as before', async () => {
    const { rows, samples } = await run('recipes/caddy.json', 'live');
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const row of rows) expect(row.peakSource).toBe('rss');
    expect(samples).not.toContain('prometheus:go_memstats_heap_alloc_bytes');
  }, 120_000);
});
