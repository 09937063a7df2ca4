/**
 * `--memory-source KIND:VALUE` (one per node of a cluster) and how several nodes' readings make one:
 * real readings of this test's own process tree from /proc, and one-line errors for bad values.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseMemorySource } from '../src/gateways/memory-source-flag.js';
import { sumReadings } from '../src/gateways/recipe/memory.js';
import { withMemorySources } from '../src/gateways/extra-memory.js';
import type { GatewayAdapter } from '../src/gateways/adapter.js';
import { GwscaleError } from '../src/errors.js';
import { tempDir } from './helpers/temp-dir.js';
import { gwscale, smallRunArgs, stopAll } from './helpers/cli.js';

const dir = tempDir('gwscale-memory-source-');
const options = { allowRemote: false, timeoutMs: 5_000 };
afterAll(stopAll);

describe('--memory-source', () => {
  it('pid: and pidfile: read the PSS of a real process tree', async () => {
    const byPid = await parseMemorySource(`pid:${process.pid}`, options).read();
    const file = join(dir, 'node.pid');
    writeFileSync(file, `${process.pid}\n`);
    const byFile = await parseMemorySource(`pidfile:${file}`, options).read();
    expect(byPid.source).toBe('pss-tree');
    expect(byPid.bytes).toBeGreaterThan(10 * 1024 * 1024);
    // Two readings of a live process moments apart.
    expect(Math.abs(byFile.bytes - byPid.bytes)).toBeLessThan(16 * 1024 * 1024);
  });

  it('v8-inspector: reads the V8 heap of a real Node process started with --inspect, after a GC', async () => {
    // 20 MiB held by the child: the reading must include it.
    const child = spawn(
      process.execPath,
      ['--inspect=127.0.0.1:0', '-e', 'globalThis.kept = Array.from({ length: 20 }, () => new Array(128 * 1024).fill(1.5)); setInterval(() => {}, 1000);'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stderr.on('data', (c: Buffer) => {
          text += c.toString();
          const m = /ws:\/\/(127\.0\.0\.1:\d+)\//.exec(text);
          if (m) resolve(`http://${m[1] ?? ''}`);
        });
        child.once('exit', () => reject(new Error(`node --inspect exited: ${text}`)));
      });
      const reading = await parseMemorySource(`v8-inspector:${url}`, options).read();
      expect(reading.source).toBe('v8-heap-after-gc');
      expect(reading.afterGc).toBe(true);
      expect(reading.bytes).toBeGreaterThan(20 * 1024 * 1024);
      expect(reading.bytes).toBeLessThan(200 * 1024 * 1024);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it.each([
    ['heap:1', 'unknown kind "heap"'],
    ['pid:abc', 'not a process id'],
    ['prometheus:http://127.0.0.1:9100/metrics', 'name the metric after #'],
    ['jolokia:http://192.0.2.7:8778/jolokia', 'is not on loopback'],
  ])('%s is refused in one line', (text, why) => {
    let caught: unknown;
    try {
      parseMemorySource(text, options);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GwscaleError);
    expect((caught as Error).message).toContain(why);
    expect((caught as Error).message).not.toContain('\n');
  });

  it('with any target: the adapter reads the extra nodes beside its own reading', async () => {
    const own = { bytes: 1000, source: 'v8-heap-after-gc', afterGc: true };
    const adapter = withMemorySources({ liveMemory: () => Promise.resolve(own) } as unknown as GatewayAdapter, [
      parseMemorySource(`pid:${process.pid}`, options),
    ]);
    const reading = await adapter.liveMemory();
    expect(reading.extra?.['node0Bytes']).toBe(1000);
    expect(reading.bytes).toBe(1000 + (reading.extra?.['node1Bytes'] ?? NaN));
    expect(reading.afterGc).toBe(false);
  });

  it("a run with an extra node: each node analysed on its own in report.json and report.md, the verdict being the sum's", async () => {
    const out = join(dir, 'two-nodes');
    const result = await gwscale(smallRunArgs('recipe:recipes/caddy.json', out, ['--memory-source', `pid:${process.pid}`, '--verify', 'none']), {
      timeoutMs: 90_000,
    });
    expect(result.stderr).toContain('verdict:');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      nodes: { node: string; verdict: string; points: { memoryBytes: number }[] }[];
      rounds: { memoryBytes: number; extra?: Record<string, number> }[];
    };
    expect(report.nodes.map((n) => n.node)).toEqual(['node0', 'node1']);
    const row = report.rounds[1];
    expect(row?.memoryBytes).toBe((row?.extra?.['node0Bytes'] ?? NaN) + (row?.extra?.['node1Bytes'] ?? NaN));
    expect(report.nodes[0]?.points).toHaveLength(report.rounds.length);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('**Per node**');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('Memory per node');
    expect(html).toMatch(/data-key="node1" data-points="\d+"/);
  }, 120_000);

  it('wraps an adapter that is a class instance without losing its this', async () => {
    class Counting {
      readings = 0;
      liveMemory(): Promise<{ bytes: number; source: string; afterGc: boolean }> {
        this.readings++;
        return Promise.resolve({ bytes: 10, source: 'own', afterGc: true });
      }
      pid(): number | null {
        return this.readings;
      }
    }
    const own = new Counting();
    const adapter = withMemorySources(own as unknown as GatewayAdapter, [parseMemorySource(`pid:${process.pid}`, options)]);
    await adapter.liveMemory();
    expect(adapter.pid()).toBe(1);
  });

  it('several nodes: the row holds the sum, each node is kept, after-GC only when every node was', () => {
    const sum = sumReadings([
      { bytes: 100, source: 'jvm-heap-after-gc', afterGc: true },
      { bytes: 250, source: 'pss-tree', afterGc: false },
    ]);
    expect(sum).toEqual({ bytes: 350, source: 'sum(jvm-heap-after-gc,pss-tree)', afterGc: false, extra: { node0Bytes: 100, node1Bytes: 250 } });
    const one = { bytes: 7, source: 'x', afterGc: true };
    expect(sumReadings([one])).toBe(one);
  });
});
