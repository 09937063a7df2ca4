/**
 * PSS of a process tree against real processes: a child that forks a grandchild, each holding
 * 32 MiB of touched anonymous memory. PSS counts both, and the shared pages of the two Node
 * binaries once in all, so the tree's PSS is below its RSS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPssTreeSource, parseSmapsRollup, processTree, readProcessTreeMemory, readSmapsRollup } from '../src/sampling/pss.js';
import { isAlive } from './helpers/process.js';

const MiB = 2 ** 20;
// Each process fills 32 MiB (so the pages are resident and private), then waits; the parent prints the grandchild's pid.
const HOLD = 'globalThis.held = Buffer.alloc(32 * 1024 * 1024, 1); setInterval(() => undefined, 1000);';
const PARENT = `
const { spawn } = require('node:child_process');
const c = spawn(process.execPath, ['-e', ${JSON.stringify(HOLD)}], { stdio: 'ignore' });
${HOLD}
setTimeout(() => console.log(c.pid), 300);
process.on('SIGTERM', () => { c.kill('SIGTERM'); process.exit(0); });
`;

describe('pss of a process tree', () => {
  let parent: ChildProcess;
  let grandchild = 0;

  beforeAll(async () => {
    parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'] });
    grandchild = await new Promise<number>((resolve, reject) => {
      parent.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`test parent exited with ${code}`)));
    });
  });

  afterAll(async () => {
    if (parent.exitCode === null && parent.signalCode === null) {
      const exited = new Promise((resolve) => parent.once('exit', resolve));
      parent.kill('SIGTERM');
      await exited;
    }
    // The parent ends its child on SIGTERM; make sure by pid.
    for (let i = 0; i < 50 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    if (isAlive(grandchild)) process.kill(grandchild, 'SIGKILL');
  });

  it('parses a smaps_rollup file into bytes', () => {
    const text = [
      '00400000-7ffd0000 ---p 00000000 00:00 0   [rollup]',
      'Rss:                1712 kB',
      'Pss:                 332 kB',
      'Pss_Anon:            112 kB',
      'Shared_Clean:       1560 kB',
    ].join('\n');
    expect(parseSmapsRollup(text)).toEqual({ rssBytes: 1712 * 1024, pssBytes: 332 * 1024, pssAnonBytes: 112 * 1024 });
    expect(() => parseSmapsRollup('Rss: 1 kB')).toThrow(/not a smaps_rollup file/);
  });

  it('finds the child and its grandchild, parents first', () => {
    expect(processTree(parent.pid!)).toEqual([parent.pid, grandchild]);
  });

  it('sums PSS and RSS over the tree: both 32 MiB buffers counted, shared pages once', () => {
    const tree = readProcessTreeMemory(parent.pid!);
    const own = readSmapsRollup(parent.pid!);
    const child = readSmapsRollup(grandchild);
    expect(tree.pids).toEqual([parent.pid, grandchild]);
    // The three reads are moments apart and the processes are alive (timers, GC); and a shared page's
    // PSS is divided among every process mapping it, so any Node process starting or ending on the
    // machine between the reads moves the figures by up to about a MiB (1.1 MiB seen in a busy test run).
    expect(Math.abs(tree.pssBytes - (own.pssBytes + child.pssBytes))).toBeLessThan(4 * MiB);
    expect(tree.pssBytes).toBeGreaterThan(64 * MiB);
    expect(tree.pssAnonBytes).toBeGreaterThan(64 * MiB);
    expect(tree.rssBytes).toBeGreaterThan(tree.pssBytes);
    expect(readProcessTreeMemory(parent.pid!, () => false).pids).toEqual([parent.pid]);
  });

  it('is a memory source any target can use: PSS, with RSS and the process count beside it', async () => {
    const source = createPssTreeSource({ pid: () => parent.pid ?? null, what: 'the test parent' });
    const reading = await source.read();
    expect(reading).toMatchObject({ source: 'pss-tree', afterGc: false, extra: { processes: 2 } });
    expect(reading.bytes).toBeGreaterThan(64 * MiB);
    expect(reading.extra?.rssBytes).toBeGreaterThan(reading.bytes);
  });

  it('fails with one line naming the process when it is not running or gone', async () => {
    await expect(createPssTreeSource({ pid: () => null, what: 'HAProxy master' }).read()).rejects.toThrow('HAProxy master is not running: no memory to read');
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.once('exit', resolve));
    await expect(createPssTreeSource({ pid: () => gone.pid!, what: 'Varnish manager' }).read()).rejects.toThrow(
      new RegExp(`^could not read the memory of Varnish manager \\(pid ${gone.pid}\\) from /proc: ENOENT`),
    );
  });
});
